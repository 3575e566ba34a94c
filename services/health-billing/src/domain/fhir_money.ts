// Money in FHIR: a decimal `value` in major units and an ISO 4217 `currency`. Minor units become the decimal with the
// currency's ISO 4217 exponent by string arithmetic only (1250n EUR is "12.50", 1250n JPY is "1250", 1250n BHD is
// "1.250"), never through a float. FHIR decimals keep their written precision, so the text is written into the JSON
// as it is (fhir_json.ts). Pure.
import assert from 'node:assert/strict';

/** ISO 4217 minor-unit exponents of the currencies health billing may bill in. */
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

export function currencyExponent(currency: string): number {
  const exponent = exponents.get(currency);
  assert.ok(exponent !== undefined, `no ISO 4217 exponent known for ${currency}`);
  return exponent;
}

/** A FHIR decimal, kept as the exact text to write into the JSON (a JSON number, not a string). */
export class FhirDecimal {
  readonly text: string;
  constructor(text: string) {
    assert.match(text, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/, 'a FHIR decimal');
    this.text = text;
  }
}

export interface FhirMoney {
  readonly value: FhirDecimal;
  readonly currency: string;
}

/** `amountMinor` (>= 0) of `currency` as its exact decimal in major units. */
export function decimalOfMinor(amountMinor: bigint, currency: string): FhirDecimal {
  assert.ok(amountMinor >= 0n, 'money in a FHIR resource is never negative here');
  const exponent = currencyExponent(currency);
  if (exponent === 0) return new FhirDecimal(amountMinor.toString());
  const digits = amountMinor.toString().padStart(exponent + 1, '0');
  return new FhirDecimal(`${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`);
}

export function fhirMoney(amountMinor: bigint, currency: string): FhirMoney {
  return { value: decimalOfMinor(amountMinor, currency), currency };
}

/** A whole count (a quantity) as a FHIR decimal. */
export function wholeDecimal(value: number): FhirDecimal {
  assert.ok(Number.isSafeInteger(value) && value >= 0, 'a whole count');
  return new FhirDecimal(String(value));
}
