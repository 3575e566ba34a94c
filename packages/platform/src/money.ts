// Money everywhere in citypass: integer minor units (cents for EUR) in a branded bigint, never a float. An amount
// is never negative; direction (debit or credit, charge or refund) is said by what carries it.
import assert from 'node:assert/strict';

export type MinorUnits = bigint & { readonly __brand: 'MinorUnits' };

/** An ISO 4217 alphabetic code's shape (three capital letters); whether a service runs it is the service's call. */
export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code);
}

export function minorUnits(value: bigint): MinorUnits {
  assert.ok(value >= 0n, 'minor units are never negative');
  return value as MinorUnits;
}

/** ISO 4217 minor-unit exponents of the currencies citypass may run (a currency not listed here cannot be written as a decimal). */
const exponents: ReadonlyMap<string, number> = new Map([
  ['EUR', 2],
  ['USD', 2],
  ['GBP', 2],
  ['CHF', 2],
  ['SEK', 2],
  ['NOK', 2],
  ['DKK', 2],
  ['PLN', 2],
  ['CZK', 2],
  ['HUF', 2],
  ['CAD', 2],
  ['AUD', 2],
  ['CNY', 2],
  ['JPY', 0],
  ['KRW', 0],
  ['ISK', 0],
  ['BHD', 3],
  ['KWD', 3],
  ['TND', 3],
]);

/** The currency's exponent, or undefined when it is not one citypass knows. */
export function knownCurrencyExponent(currency: string): number | undefined {
  return exponents.get(currency);
}

export const knownCurrencies: readonly string[] = [...exponents.keys()];

export function currencyExponent(currency: string): number {
  const exponent = exponents.get(currency);
  assert.ok(exponent !== undefined, `no ISO 4217 exponent known for ${currency}`);
  return exponent;
}

/** `amountMinor` of `currency` as its exact decimal in major units, by string arithmetic only (never a float):
 * 1250n EUR is "12.50", -5n EUR "-0.05", 1250n JPY "1250", 1250n BHD "1.250". */
export function decimalText(amountMinor: bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  const sign = amountMinor < 0n ? '-' : '';
  const digits = (amountMinor < 0n ? -amountMinor : amountMinor).toString();
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}
