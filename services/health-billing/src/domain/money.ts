// Money in health billing: integer minor units (bigint) of the plan's currency, never a float; the sane bound on
// any one amount; and the checks that turn an unknown value into MinorUnits or a field problem. Pure.
import { minorUnits, type MinorUnits } from '@citypass/platform/money';
import type { FieldProblem } from './field_problems.ts';
import { healthBillingReasons } from './health_billing_reasons.ts';

export { minorUnits, type MinorUnits };

/** The largest amount the engine accepts anywhere (a fee, a deductible, a billed line): 10^12 minor units. */
export const maxAmountMinor = 1_000_000_000_000n;

/** `value` floored at zero: what is left under a limit that may already be used up. */
export function atLeastZero(value: bigint): bigint {
  return value < 0n ? 0n : value;
}

/** Why `value` is not an amount (a bigint from 0 to maxAmountMinor), or undefined when it is one. */
export function amountProblem(value: unknown, field: string): FieldProblem | undefined {
  if (typeof value !== 'bigint' || value < 0n)
    return { reason: healthBillingReasons.AMOUNT_INVALID, field, message: 'must be minor units: a bigint >= 0' };
  if (value > maxAmountMinor)
    return {
      reason: healthBillingReasons.AMOUNT_TOO_LARGE,
      field,
      message: `must be at most ${String(maxAmountMinor)} minor units`,
    };
  return undefined;
}
