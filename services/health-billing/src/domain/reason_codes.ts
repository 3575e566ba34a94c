// Claim adjustment reasons, after X12's CARC list and group codes: each line result explains where the billed
// amount went that the plan does not pay. CO (contractual obligation) is written off by the clinic, never billed to
// anyone; PR (patient responsibility) is what the member pays. Only the reasons this engine gives. Pure.
import type { MinorUnits } from './money.ts';

export type AdjustmentGroup = 'CO' | 'PR';

/** The CARC numbers the engine uses, by what they mean. */
export const claimAdjustmentReasons = {
  /** PR: the deductible. */
  deductible: 1,
  /** PR: coinsurance. */
  coinsurance: 2,
  /** PR: the copay. */
  copay: 3,
  /** CO: billed above the clinic's fee schedule amount. */
  feeScheduleExceeded: 45,
  /** PR: not covered (no coverage on the date, category not in the plan, excluded code). */
  notCovered: 96,
  /** PR: a benefit maximum for the plan year (visit limit, category plan-paid cap) is reached. */
  benefitMaximumReached: 119,
  /** CO: a required pre-authorization is absent. */
  preauthorizationAbsent: 197,
  /** CO: the allowed amount is above what the pre-authorization approved. */
  preauthorizationExceeded: 198,
} as const;

export type ClaimAdjustmentReason = (typeof claimAdjustmentReasons)[keyof typeof claimAdjustmentReasons];

/** One adjustment on a line: who carries it, why, how much (always > 0; a zero adjustment is not listed). */
export interface Adjustment {
  readonly group: AdjustmentGroup;
  readonly reason: ClaimAdjustmentReason;
  readonly amountMinor: MinorUnits;
}

/** Short texts for statements, by CARC number. */
export const claimAdjustmentDescriptions: Readonly<Record<ClaimAdjustmentReason, string>> = {
  1: 'Deductible amount',
  2: 'Coinsurance amount',
  3: 'Co-payment amount',
  45: 'Charge exceeds fee schedule/maximum allowable',
  96: 'Non-covered charge(s)',
  119: 'Benefit maximum for this time period or occurrence has been reached',
  197: 'Precertification/authorization absent',
  198: 'Precertification/authorization exceeded',
};

/** The total of a line's adjustments of one group (and, if given, one reason). */
export function adjustmentTotal(
  adjustments: readonly Adjustment[],
  group: AdjustmentGroup,
  reason?: ClaimAdjustmentReason,
): bigint {
  let total = 0n;
  for (const adjustment of adjustments) {
    if (adjustment.group === group && (reason === undefined || adjustment.reason === reason))
      total += adjustment.amountMinor;
  }
  return total;
}
