// A clinic voids one of its bills, with a reason. Open or awaiting payment: voided as an unpaid bill is (its
// accumulator contributions released, nothing was charged). Paid: reversed, every line cancelled and both shares
// refunded through the wallet after the commit (correct_paid_bill.ts). A payment under way is refused: it ends paid
// (then void again) or not. Every void is recorded as a correction: who, when, why.
import { randomUUID } from 'node:crypto';
import { healthBillingReasons } from '@citypass/contracts';
import { failedPrecondition } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import {
  VoidBillRequest as VoidBillMessage,
  VoidBillResponse as VoidBillAnswer,
  type VoidBillRequest,
  type VoidBillResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { checkBillId, clinicBill } from './bill_access.ts';
import { correctionReasonContext, correctPaidBill } from './correct_paid_bill.ts';
import { checkCorrectionReason, correctionAnswer } from './correction_request.ts';
import { correctionWireOf } from './correction_wire.ts';
import { voidBill } from './settle_bill.ts';
import type { BillRecord, CorrectionRecord, HealthBillingStore } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

export async function voidClinicBill(
  deps: VisitDeps,
  clinic: string,
  request: VoidBillRequest,
): Promise<VoidBillResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  checkBillId(request.billId);
  const reason = checkCorrectionReason(request.reason);
  const operation = `${clinic}:void_bill`;
  const requestBytes = VoidBillMessage.encode({ ...request, idempotencyKey: '' }).finish();
  const correctionId = await deps.store.transaction(async (tx) => {
    const first = await tx.claim(operation, key, requestBytes);
    if (first !== undefined) return VoidBillAnswer.decode(first).correction?.correctionId;
    const bill = await clinicBill(tx, clinic, request.billId, { forUpdate: true });
    const correction =
      bill.status === 'paid'
        ? await correctPaidBill(deps, tx, bill, {
            kind: 'void',
            clinic,
            cancelLineIds: bill.lines.filter((line) => !line.cancelled).map((line) => line.lineId),
            reprices: [],
            reason,
            idempotencyKey: key,
          })
        : await voidUnpaid(deps, tx, bill, clinic, reason, key);
    await tx.remember(
      operation,
      key,
      VoidBillAnswer.encode({ bill: undefined, correction: correctionWireOf(correction) }).finish(),
    );
    return correction.correctionId;
  });
  return correctionAnswer(deps, request.billId, correctionId);
}

async function voidUnpaid(
  deps: VisitDeps,
  tx: HealthBillingStore,
  bill: BillRecord,
  clinic: string,
  reason: string,
  key: string,
): Promise<CorrectionRecord> {
  if (bill.status !== 'open' && bill.status !== 'awaiting_payment')
    throw failedPrecondition(
      healthBillingReasons.BILL_STATE_INVALID,
      bill.status === 'paying'
        ? 'a payment of the bill is under way: void it once it is paid'
        : `the bill is ${bill.status} already`,
    );
  const atMs = deps.now();
  await voidBill(tx, bill, atMs);
  const correctionId = randomUUID();
  const correction: CorrectionRecord = {
    correctionId,
    billId: bill.billId,
    kind: 'void',
    cancelledLineIds: [],
    repricedLineIds: [],
    patientRefundMinor: 0n,
    planRefundMinor: 0n,
    writtenOffDeltaMinor: 0n,
    refundState: 'none',
    walletKey: undefined,
    idempotencyKey: key,
    correctedBy: `clinic:${clinic}`,
    correctedAtMs: atMs,
    reasonSealed: deps.sealer.seal(reason, correctionReasonContext(correctionId)),
  };
  await tx.corrections.add(correction);
  return correction;
}
