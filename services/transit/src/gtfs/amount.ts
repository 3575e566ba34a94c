// Money in a GTFS feed: decimal strings in major units ("2.90") turned into integer minor units (290n) with the
// currency's ISO 4217 exponent, exactly or not at all. No floating point anywhere. Pure.
import { gtfsError } from './table.ts';
import { transitReasons } from '@citypass/contracts';

/** ISO 4217 minor-unit exponents of the currencies a feed may use. */
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
  ['CAD', 2],
  ['AUD', 2],
  ['JPY', 0],
  ['KRW', 0],
]);

/** At most 15 digits before the point: far above any fare, far below where bigint size matters. */
const amountPattern = /^(0|[1-9]\d{0,14})(?:\.(\d+))?$/;

export function currencyExponent(currency: string, where: string): number {
  const exponent = exponents.get(currency);
  if (exponent === undefined)
    throw gtfsError(
      transitReasons.GTFS_CURRENCY_UNSUPPORTED,
      where,
      `currency ${currency} is not one of ${[...exponents.keys()].join(', ')}`,
    );
  return exponent;
}

export function amountMinor(text: string, currency: string, where: string): bigint {
  const exponent = currencyExponent(currency, where);
  const match = amountPattern.exec(text);
  const whole = match?.[1];
  const fraction = match?.[2] ?? '';
  if (whole === undefined || fraction.length > exponent) {
    throw gtfsError(
      transitReasons.GTFS_AMOUNT_INVALID,
      where,
      `amount ${JSON.stringify(text)} is not a decimal with at most ${exponent} decimal places for ${currency}`,
    );
  }
  return BigInt(whole + fraction.padEnd(exponent, '0'));
}
