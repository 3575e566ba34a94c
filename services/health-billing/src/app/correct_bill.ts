// A clinic corrects one of its paid bills: lines cancelled and/or re-priced, with a reason. The correction commits
// with the bill re-adjudicated and its refund pending (correct_paid_bill.ts); the refund is then made through the
// wallet under the correction's key. A repeat with the same idempotency key answers the same correction as it
// stands now (its refund tried again if still pending: the wallet refunds once per key).
import { healthBillingReasons } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import {
  CorrectBillRequest as CorrectBillMessage,
  CorrectBillResponse as CorrectBillAnswer,
  type CorrectBillRequest,
  type CorrectBillResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { maxBillLines } from '../domain/adjudication.ts';
import { checkBillId, clinicBill } from './bill_access.ts';
import { correctPaidBill } from './correct_paid_bill.ts';
import { checkCorrectionReason, correctionAnswer, requirePaid } from './correction_request.ts';
import { correctionWireOf } from './correction_wire.ts';
import type { VisitDeps } from './visit_deps.ts';

export async function correctBill(
  deps: VisitDeps,
  clinic: string,
  request: CorrectBillRequest,
): Promise<CorrectBillResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  checkBillId(request.billId);
  if (request.cancelLineIds.length + request.reprices.length > maxBillLines)
    throw invalidArgument(healthBillingReasons.LIST_TOO_LONG, `a correction names at most ${maxBillLines} lines`);
  const reason = checkCorrectionReason(request.reason);
  const operation = `${clinic}:correct_bill`;
  const requestBytes = CorrectBillMessage.encode({ ...request, idempotencyKey: '' }).finish();
  const correctionId = await deps.store.transaction(async (tx) => {
    const first = await tx.claim(operation, key, requestBytes);
    if (first !== undefined) return CorrectBillAnswer.decode(first).correction?.correctionId;
    const bill = await clinicBill(tx, clinic, request.billId, { forUpdate: true });
    requirePaid(bill);
    const correction = await correctPaidBill(deps, tx, bill, {
      kind: 'correct',
      clinic,
      cancelLineIds: request.cancelLineIds,
      reprices: request.reprices.map((each) => ({ lineId: each.lineId, billedMinor: each.billedMinor })),
      reason,
      idempotencyKey: key,
    });
    await tx.remember(
      operation,
      key,
      CorrectBillAnswer.encode({ bill: undefined, correction: correctionWireOf(correction) }).finish(),
    );
    return correction.correctionId;
  });
  return correctionAnswer(deps, request.billId, correctionId);
}
