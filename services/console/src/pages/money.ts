// Amounts as operators read them: integer minor units shown in the currency's major unit ("12.50 EUR"), exactly
// (bigint arithmetic, never a float), with as many decimals as ISO 4217 gives the currency.
const decimalsOf = (currency: string): number =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

export function amount(minor: bigint, currency: string): string {
  const decimals = decimalsOf(currency);
  const sign = minor < 0n ? '-' : '';
  const digits = (minor < 0n ? -minor : minor).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  return `${sign}${whole}${decimals === 0 ? '' : `.${digits.slice(digits.length - decimals)}`} ${currency}`;
}
