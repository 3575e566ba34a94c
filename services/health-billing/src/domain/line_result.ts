// A line's result from the amounts the engine settled on: the adjustments (non-zero only) and the plan share give
// the clinic write-off (the CO adjustments) and the patient share (the PR ones), and the line must balance:
// billed = write-off + patient share + plan share, asserted on every line. Pure.
import assert from 'node:assert/strict';
import type { Contribution } from './accumulators.ts';
import type { BillLine, LineAdjudication, LineOutcome } from './adjudication.ts';
import type { CodeEntry, ServiceCategory } from './codes.ts';
import type { MinorUnits } from './money.ts';
import type { PlanVersion } from './plan.ts';
import type { Adjustment, AdjustmentGroup, ClaimAdjustmentReason } from './reason_codes.ts';

/** Adds an adjustment unless it is zero: a line lists only the adjustments that moved money. */
export function adjust(
  adjustments: Adjustment[],
  group: AdjustmentGroup,
  reason: ClaimAdjustmentReason,
  amount: bigint,
): void {
  if (amount > 0n) adjustments.push({ group, reason, amountMinor: amount as MinorUnits });
}

/** The contribution of a line the plan paid nothing for and that used no visit. */
export function noContribution(planYear: number, category: ServiceCategory): Contribution {
  const zero = 0n as MinorUnits;
  return {
    planYear,
    category,
    deductibleMinor: zero,
    outOfPocketMinor: zero,
    visits: 0,
    planPaidMinor: zero,
  };
}

/** The line's result; asserts billed = clinic write-off + patient share + plan share. */
export function lineResult(
  line: BillLine,
  entry: CodeEntry,
  outcome: LineOutcome,
  version: PlanVersion | undefined,
  adjustments: readonly Adjustment[],
  planShare: bigint,
  preauthorizationId: string | undefined,
  contribution: Contribution,
): LineAdjudication {
  let writeOff = 0n;
  let patient = 0n;
  for (const adjustment of adjustments) {
    if (adjustment.group === 'CO') writeOff += adjustment.amountMinor;
    else patient += adjustment.amountMinor;
  }
  assert.ok(
    planShare >= 0n && writeOff + patient + planShare === line.billedMinor,
    'billed = write-off + patient + plan',
  );
  return {
    lineId: line.lineId,
    code: line.code,
    category: entry.category,
    serviceDate: line.serviceDate,
    outcome,
    planVersion: version?.version,
    billedMinor: line.billedMinor as MinorUnits,
    allowedMinor: (patient + planShare) as MinorUnits,
    clinicWriteOffMinor: writeOff as MinorUnits,
    patientShareMinor: patient as MinorUnits,
    planShareMinor: planShare as MinorUnits,
    adjustments,
    preauthorizationId,
    contribution,
  };
}
