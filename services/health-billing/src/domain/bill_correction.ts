// A correction of a paid bill, as numbers: which lines stay and at what billed amount (lines cancelled or re-priced,
// each named once among the bill's active lines), and what the re-adjudicated shares give back. A correction only
// gives back: a share that would grow is refused (the patient's needs a new presentation; the plan's cannot grow on
// a settled hold). Pure.
import { failedPrecondition, invalidArgument } from '@citypass/platform/errors';
import { healthBillingReasons } from './health_billing_reasons.ts';
import { maxAmountMinor } from './money.ts';

export interface CorrectableLine {
  readonly lineId: string;
  readonly active: boolean;
  readonly billedMinor: bigint;
}

export interface RequestedCorrection {
  readonly cancelLineIds: readonly string[];
  readonly reprices: readonly { readonly lineId: string; readonly billedMinor: bigint }[];
}

/** The active lines left after the correction, in the bill's order, each with its billed amount after it. */
export interface CorrectedLines {
  readonly remaining: readonly { readonly lineId: string; readonly billedMinor: bigint }[];
  readonly cancelledLineIds: readonly string[];
  readonly repricedLineIds: readonly string[];
}

/** Applies the requested changes to the bill's lines, or refuses them naming the field (never a value). */
export function correctLines(lines: readonly CorrectableLine[], request: RequestedCorrection): CorrectedLines {
  if (request.cancelLineIds.length === 0 && request.reprices.length === 0)
    throw invalidArgument(healthBillingReasons.CORRECTION_EMPTY, 'a correction cancels or re-prices at least one line');
  const active = new Map(lines.filter((line) => line.active).map((line) => [line.lineId, line]));
  const named = new Set<string>();
  const name = (lineId: string, field: string): void => {
    if (!active.has(lineId) || named.has(lineId))
      throw invalidArgument(
        healthBillingReasons.LINE_NOT_CORRECTABLE,
        `${field} must be an active line of the bill, named once`,
      );
    named.add(lineId);
  };
  request.cancelLineIds.forEach((lineId, index) => {
    name(lineId, `cancel_line_ids[${index}]`);
  });
  const billed = new Map<string, bigint>();
  request.reprices.forEach((reprice, index) => {
    name(reprice.lineId, `reprices[${index}].line_id`);
    if (reprice.billedMinor < 1n || reprice.billedMinor > maxAmountMinor)
      throw invalidArgument(
        healthBillingReasons.AMOUNT_INVALID,
        `reprices[${index}].billed_minor must be 1 to ${maxAmountMinor} minor units`,
      );
    billed.set(reprice.lineId, reprice.billedMinor);
  });
  const cancelled = new Set(request.cancelLineIds);
  return {
    remaining: [...active.values()]
      .filter((line) => !cancelled.has(line.lineId))
      .map((line) => ({ lineId: line.lineId, billedMinor: billed.get(line.lineId) ?? line.billedMinor })),
    cancelledLineIds: [...request.cancelLineIds],
    repricedLineIds: request.reprices.map((reprice) => reprice.lineId),
  };
}

export interface ChargedShares {
  readonly writtenOffMinor: bigint;
  readonly patientMinor: bigint;
  readonly planMinor: bigint;
}

export interface CorrectionRefund {
  readonly patientRefundMinor: bigint;
  readonly planRefundMinor: bigint;
  readonly writtenOffDeltaMinor: bigint;
}

/** What going from `before` to `after` gives back to the patient and the plan; refuses a share that would grow. */
export function refundOf(before: ChargedShares, after: ChargedShares): CorrectionRefund {
  if (after.patientMinor > before.patientMinor)
    throw failedPrecondition(
      healthBillingReasons.CORRECTION_INCREASES_PATIENT_SHARE,
      "the correction would raise the patient's share: a new charge needs the patient's new presentation " +
        '(replace the bill, then have it paid)',
    );
  if (after.planMinor > before.planMinor)
    throw failedPrecondition(
      healthBillingReasons.CORRECTION_INCREASES_PLAN_SHARE,
      "the correction would raise the plan's share, which the settled payment cannot take: replace the bill",
    );
  return {
    patientRefundMinor: before.patientMinor - after.patientMinor,
    planRefundMinor: before.planMinor - after.planMinor,
    writtenOffDeltaMinor: after.writtenOffMinor - before.writtenOffMinor,
  };
}
