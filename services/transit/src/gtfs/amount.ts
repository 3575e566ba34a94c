// Money in a GTFS feed: decimal strings in major units ("2.90") turned into integer minor units (290n) with the
// currency's ISO 4217 exponent, exactly or not at all. No floating point anywhere. Pure.
import { knownCurrencies, knownCurrencyExponent } from '@citypass/platform/money';
import { gtfsError } from './table.ts';
import { transitReasons } from '@citypass/contracts';

/** At most 15 digits before the point: far above any fare, far below where bigint size matters. */
const amountPattern = /^(0|[1-9]\d{0,14})(?:\.(\d+))?$/;

export function currencyExponent(currency: string, where: string): number {
  const exponent = knownCurrencyExponent(currency);
  if (exponent === undefined)
    throw gtfsError(
      transitReasons.GTFS_CURRENCY_UNSUPPORTED,
      where,
      `currency ${currency} is not one of ${knownCurrencies.join(', ')}`,
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
