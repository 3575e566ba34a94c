// The core of every correction of a paid bill (CorrectBill, VoidBill and ReplaceBill on a paid bill), in the caller's
// transaction with the bill locked: under the member year's lock (as finalizing takes it), the lines left are
// adjudicated again against the member's accumulators without this bill's own contributions, which the new ones
// replace, with the pre-authorizations the bill used (a cancelled line's goes back to approved); the bill records
// the new outcomes and what it gives back, its cancelled lines leave the clinic peers' counts, and the correction is
// stored with its refund pending (under the wallet key refund:<correction id>) for refundCorrection to make after
// the commit.
import { randomUUID } from 'node:crypto';
import { healthBillingEventSubjects } from '@citypass/contracts';
import { Bill as BillMessage } from '@citypass/proto/health_billing/v1/health_billing';
import { reverseContributions, type Contribution as EngineContribution } from '../domain/accumulators.ts';
import { correctLines, refundOf, type RequestedCorrection } from '../domain/bill_correction.ts';
import type { ServiceCategory } from '../domain/codes.ts';
import { minorUnits } from '../domain/money.ts';
import { adjudicateLines, contributionsOf } from './adjudicate_lines.ts';
import { accumulatorsOf } from './adjudication_inputs.ts';
import { preauthorizationsOfBill, reconsumePreauthorizations } from './bill_preauthorizations.ts';
import { billEventOf, outcomeOf } from './bill_wire.ts';
import type {
  BillRecord,
  Contribution,
  CorrectionKind,
  CorrectionRecord,
  HealthBillingStore,
  LineOutcome,
} from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

export const correctionReasonContext = (correctionId: string): string => `bill_correction:${correctionId}:reason`;
export const refundKeyOf = (correctionId: string): string => `refund:${correctionId}`;

export interface PaidBillCorrection extends RequestedCorrection {
  readonly kind: CorrectionKind;
  readonly clinic: string;
  readonly reason: string;
  readonly idempotencyKey: string;
}

/** `bill` must be paid and locked for update by the caller's transaction. */
export async function correctPaidBill(
  deps: VisitDeps,
  tx: HealthBillingStore,
  bill: BillRecord,
  correction: PaidBillCorrection,
): Promise<CorrectionRecord> {
  const corrected = correctLines(
    bill.lines.map((line) => ({ lineId: line.lineId, active: !line.cancelled, billedMinor: line.billedMinor })),
    correction,
  );
  const member = { patientId: bill.patientId, planId: bill.planId, planYear: bill.planYear };
  await tx.accumulators.lock(member);
  // Re-adjudicating opens the lines' codes: a read of the patient's medical details.
  await tx.recordMedicalRead({
    actor: `clinic:${correction.clinic}`,
    subject: bill.patientId,
    billId: bill.billId,
    purpose: 'payment',
  });
  const own = await tx.accumulators.ofBill(bill.billId);
  const withoutOwn = reverseContributions(
    accumulatorsOf(bill.planYear, await tx.accumulators.totals(member)),
    own.map((each) => engineContribution(bill.planYear, each)),
  );
  const billed = new Map(corrected.remaining.map((line) => [line.lineId, line.billedMinor]));
  const remaining = bill.lines
    .filter((line) => billed.has(line.lineId))
    .map((line) => ({ ...line, billedMinor: billed.get(line.lineId) ?? line.billedMinor }));
  // The approvals this bill used stay with the lines that remain (an MRI re-priced keeps its approval).
  const preauthorizations = await preauthorizationsOfBill(tx, deps.sealer, bill.billId);
  const result =
    remaining.length === 0
      ? undefined
      : await adjudicateLines(deps, tx, bill, remaining, withoutOwn, preauthorizations);
  const refund = refundOf(bill, {
    writtenOffMinor: result?.clinicWriteOffMinor ?? 0n,
    patientMinor: result?.patientShareMinor ?? 0n,
    planMinor: result?.planShareMinor ?? 0n,
  });
  const atMs = deps.now();
  const repriced = new Set(corrected.repricedLineIds);
  await tx.bills.applyCorrection(bill.billId, {
    cancelledLineIds: corrected.cancelledLineIds,
    repricedBilledMinor: new Map([...billed].filter(([lineId]) => repriced.has(lineId))),
    outcomes: new Map<string, LineOutcome>((result?.lines ?? []).map((line) => [line.lineId, outcomeOf(line)])),
    patientRefundMinor: refund.patientRefundMinor,
    planRefundMinor: refund.planRefundMinor,
    status: remaining.length === 0 ? 'reversed' : 'paid',
    atMs,
  });
  await tx.accumulators.removeBill(bill.billId);
  // A cancelled line was not billed after all: the clinic peers check no longer counts it (a replacement's is).
  await tx.clinicCodeDays.takeBack(bill.billId, corrected.cancelledLineIds);
  if (result !== undefined) await tx.accumulators.add(member, bill.billId, contributionsOf(result));
  await reconsumePreauthorizations(tx, bill.billId, result, atMs);
  const correctionId = randomUUID();
  const refunds = refund.patientRefundMinor > 0n || refund.planRefundMinor > 0n;
  const record: CorrectionRecord = {
    correctionId,
    billId: bill.billId,
    kind: correction.kind,
    cancelledLineIds: corrected.cancelledLineIds,
    repricedLineIds: corrected.repricedLineIds,
    ...refund,
    refundState: refunds ? 'pending' : 'none',
    walletKey: refunds ? refundKeyOf(correctionId) : undefined,
    idempotencyKey: correction.idempotencyKey,
    correctedBy: `clinic:${correction.clinic}`,
    correctedAtMs: atMs,
    reasonSealed: deps.sealer.seal(correction.reason, correctionReasonContext(correctionId)),
  };
  await tx.corrections.add(record);
  await tx.appendEvent({
    type: healthBillingEventSubjects.billCorrected,
    source: 'health-billing',
    payload: BillMessage.encode(billEventOf((await tx.bills.get(bill.billId)) as BillRecord)).finish(),
  });
  return record;
}

function engineContribution(planYear: number, stored: Contribution): EngineContribution {
  return {
    planYear,
    category: stored.category as ServiceCategory,
    deductibleMinor: minorUnits(stored.deductibleMinor),
    outOfPocketMinor: minorUnits(stored.outOfPocketMinor),
    visits: stored.visits,
    planPaidMinor: minorUnits(stored.planPaidMinor),
  };
}
