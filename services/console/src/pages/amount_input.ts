// An amount an operator types ("12.50" in a currency with two decimals) as integer minor units, exactly: digits and
// at most as many decimals as ISO 4217 gives the currency (none for a currency the platform does not know, whose
// amounts are typed in minor units). Anything else is not an amount; the service decides whether it is allowed.
import { knownCurrencyExponent } from '@citypass/platform/money';

/** The console's own refusal of a typed amount (it has no errors.proto: the reason is defined here, once). */
export const amountInvalid = 'AMOUNT_INVALID';

const amountPattern = /^(\d{1,15})(?:\.(\d{1,4}))?$/;

export function parseAmountMinor(text: string, currency: string): bigint | undefined {
  const exponent = knownCurrencyExponent(currency) ?? 0;
  const match = amountPattern.exec(text.trim());
  const whole = match?.[1];
  if (whole === undefined) return undefined;
  const fraction = match?.[2] ?? '';
  if (fraction.length > exponent) return undefined;
  return BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0');
}
