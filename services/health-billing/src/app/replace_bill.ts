// A clinic replaces one of its paid bills: the bill is reversed (every line cancelled, both shares refunded through
// the wallet after the commit, accumulators released) and a new open bill is opened for the same encounter and
// patient, under the same plan version, naming the bill it replaces. The clinic adds the right lines, finalizes,
// and the patient pays it with a new presentation: a new charge needs the patient's new mandate.
import { randomUUID } from 'node:crypto';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import {
  ReplaceBillRequest as ReplaceBillMessage,
  ReplaceBillResponse as ReplaceBillAnswer,
  type ReplaceBillRequest,
  type ReplaceBillResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { checkBillId, clinicBill } from './bill_access.ts';
import { billSummaryOf } from './bill_wire.ts';
import { correctPaidBill } from './correct_paid_bill.ts';
import { checkCorrectionReason, correctionAnswer, requirePaid } from './correction_request.ts';
import { correctionWireOf } from './correction_wire.ts';
import type { BillRecord } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

export async function replaceBill(
  deps: VisitDeps,
  clinic: string,
  request: ReplaceBillRequest,
): Promise<ReplaceBillResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  checkBillId(request.billId);
  const reason = checkCorrectionReason(request.reason);
  const operation = `${clinic}:replace_bill`;
  const requestBytes = ReplaceBillMessage.encode({ ...request, idempotencyKey: '' }).finish();
  const committed = await deps.store.transaction(async (tx) => {
    const first = await tx.claim(operation, key, requestBytes);
    if (first !== undefined) {
      const answer = ReplaceBillAnswer.decode(first);
      return { correctionId: answer.correction?.correctionId, replacementId: answer.replacement?.billId ?? '' };
    }
    const bill = await clinicBill(tx, clinic, request.billId, { forUpdate: true });
    requirePaid(bill);
    const correction = await correctPaidBill(deps, tx, bill, {
      kind: 'replace',
      clinic,
      cancelLineIds: bill.lines.filter((line) => !line.cancelled).map((line) => line.lineId),
      reprices: [],
      reason,
      idempotencyKey: key,
    });
    const replacementId = randomUUID();
    await tx.bills.open({
      billId: replacementId,
      // One replacement per bill, also held by bills.replaces_bill_id being unique.
      checkinNonce: `replaces:${bill.billId}`,
      replacesBillId: bill.billId,
      clinic,
      patientId: bill.patientId,
      credentialId: bill.credentialId,
      concession: bill.concession,
      planId: bill.planId,
      planVersion: bill.planVersion,
      planYear: bill.planYear,
      insurer: bill.insurer,
      currency: bill.currency,
      createdAtMs: deps.now(),
      payPresentationSealed: undefined,
    });
    const replacement = (await tx.bills.get(replacementId)) as BillRecord;
    await tx.remember(
      operation,
      key,
      ReplaceBillAnswer.encode({
        replaced: undefined,
        replacement: billSummaryOf(replacement),
        correction: correctionWireOf(correction),
      }).finish(),
    );
    return { correctionId: correction.correctionId, replacementId };
  });
  const { bill, correction } = await correctionAnswer(deps, request.billId, committed.correctionId);
  const replacement = (await deps.store.bills.get(committed.replacementId)) as BillRecord;
  return { replaced: bill, replacement: billSummaryOf(replacement), correction };
}
