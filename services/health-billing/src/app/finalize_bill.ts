// A clinic finalizes one of its open bills: under the member year's lock, the clinic line checks refuse a bill they
// must and flag one far above its clinic's peers for review, the engine adjudicates every line against
// the accumulators as they stand and the clinic's usable pre-authorizations for the patient (locked next), each
// line's outcome and contribution are stored, the pre-authorizations used are consumed, and the bill awaits the
// patient's payment until its deadline.
import { healthBillingEventSubjects, healthBillingReasons } from '@citypass/contracts';
import { failedPrecondition } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import {
  Bill as BillMessage,
  FinalizeBillRequest as FinalizeBillMessage,
  FinalizeBillResponse as FinalizeBillAnswer,
  type FinalizeBillRequest,
  type FinalizeBillResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { adjudicateLines, contributionsOf } from './adjudicate_lines.ts';
import { countBill, countReviewFlags } from '../metrics.ts';
import { accumulatorsOf } from './adjudication_inputs.ts';
import { clinicBill } from './bill_access.ts';
import { checkClinicLines } from './clinic_line_checks.ts';
import { flagAbovePeers } from './clinic_peers.ts';
import { consumePreauthorizations, usablePreauthorizations } from './bill_preauthorizations.ts';
import { auditedBillOf, billEventOf, outcomeOf } from './bill_wire.ts';
import { serviceDateOf } from './service_date.ts';
import type { BillRecord } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

export async function finalizeBill(
  deps: VisitDeps,
  clinic: string,
  request: FinalizeBillRequest,
): Promise<FinalizeBillResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const operation = `${clinic}:finalize_bill`;
  const requestBytes = FinalizeBillMessage.encode({ ...request, idempotencyKey: '' }).finish();
  // `settledAtOnce` is undefined for a repeat: only the call that finalized the bill counts it (and its flags).
  const { answer, settledAtOnce, flags } = await deps.store.transaction(async (tx) => {
    const first = await tx.claim(operation, key, requestBytes);
    if (first !== undefined) return { answer: FinalizeBillAnswer.decode(first), settledAtOnce: undefined, flags: [] };
    const bill = await clinicBill(tx, clinic, request.billId, { forUpdate: true, status: 'open' });
    if (bill.lines.length === 0)
      throw failedPrecondition(healthBillingReasons.BILL_EMPTY, 'a bill with no lines cannot be finalized');
    const member = { patientId: bill.patientId, planId: bill.planId, planYear: bill.planYear };
    await tx.accumulators.lock(member);
    const codes = await checkClinicLines(tx, deps.sealer, bill);
    const nowMs = deps.now();
    const flags = await flagAbovePeers(tx, deps.sealer, bill, codes, nowMs, deps.peerLimits);
    const preauthorizations = await usablePreauthorizations(tx, deps.sealer, bill, serviceDateOf(nowMs));
    const accumulators = accumulatorsOf(bill.planYear, await tx.accumulators.totals(member));
    const result = await adjudicateLines(deps, tx, bill, bill.lines, accumulators, preauthorizations);
    await tx.bills.finalize(
      bill.billId,
      new Map(result.lines.map((line) => [line.lineId, outcomeOf(line)])),
      nowMs,
      nowMs + deps.payWithinMs,
    );
    await tx.accumulators.add(member, bill.billId, contributionsOf(result));
    await consumePreauthorizations(tx, result, nowMs);
    let finalized = (await tx.bills.get(bill.billId)) as BillRecord;
    await tx.appendEvent({
      type: healthBillingEventSubjects.billFinalized,
      source: 'health-billing',
      payload: BillMessage.encode(billEventOf(finalized)).finish(),
    });
    // Nothing to collect (every line written off by the clinic): the bill is settled as it stands, without the
    // wallet, which moves no zero amounts.
    if (finalized.patientMinor === 0n && finalized.planMinor === 0n) {
      await tx.bills.markPaid(bill.billId, undefined, nowMs);
      finalized = (await tx.bills.get(bill.billId)) as BillRecord;
      await tx.appendEvent({
        type: healthBillingEventSubjects.billPaid,
        source: 'health-billing',
        payload: BillMessage.encode(billEventOf(finalized)).finish(),
      });
    }
    const response: FinalizeBillResponse = { bill: await auditedBillOf(tx, finalized, deps.sealer, 'payment') };
    await tx.remember(operation, key, FinalizeBillAnswer.encode(response).finish());
    return { answer: response, settledAtOnce: finalized.status === 'paid', flags };
  });
  countReviewFlags(flags);
  if (settledAtOnce !== undefined) {
    countBill({ state: 'finalized', outcome: settledAtOnce ? 'nothing_to_collect' : 'awaiting_payment' });
    if (settledAtOnce) countBill({ state: 'paid', outcome: 'nothing_to_collect' });
  }
  return answer;
}
