// Amounts and currencies in requests: integer minor units within the service's bound, a currency it bills in.
import { invalidArgument } from '@citypass/platform/errors';
import { healthBillingReasons } from '@citypass/contracts';

/** 10,000,000,000.00 in minor units: far above any bill, far below bigint trouble in sums of many lines. */
export const maxAmountMinor = 1_000_000_000_000n;

export function checkAmount(value: bigint, field: string, options: { positive?: boolean } = {}): bigint {
  const lowest = options.positive === true ? 1n : 0n;
  if (value < lowest || value > maxAmountMinor) {
    throw invalidArgument(
      healthBillingReasons.AMOUNT_INVALID,
      `${field} must be ${lowest} to ${maxAmountMinor} minor units`,
    );
  }
  return value;
}

export function checkCurrency(currency: string, supported: ReadonlySet<string>): string {
  if (!supported.has(currency))
    throw invalidArgument(healthBillingReasons.CURRENCY_UNSUPPORTED, 'currency is not one this service bills in');
  return currency;
}
