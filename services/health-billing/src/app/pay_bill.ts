// The patient pays a finalized bill at the desk with a fresh presentation (their mandate, addressed to the clinic),
// verified here first: it must be the checked-in patient's. The bill is marked paying with its wallet key and the
// sealed mandate (committed before the wallet is called, so a crash is finished by the sweeper), then settled by one
// combined wallet charge; the bill is marked paid and this request's answer kept in one transaction.
import { healthBillingReasons } from '@citypass/contracts';
import { failedPrecondition, permissionDenied, unauthenticated } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import {
  PayBillRequest as PayBillMessage,
  PayBillResponse as PayBillAnswer,
  type PayBillRequest,
  type PayBillResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { checkBillId, clinicBill } from './bill_access.ts';
import { auditedBillOf } from './bill_wire.ts';
import { earlierAnswer } from './earlier_answer.ts';
import { payPresentationContext, settleBill } from './settle_bill.ts';
import type { BillRecord, HealthBillingStore } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

export async function payBill(deps: VisitDeps, clinic: string, request: PayBillRequest): Promise<PayBillResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  checkBillId(request.billId);
  if (request.presentation === '')
    throw unauthenticated(healthBillingReasons.PRESENTATION_MISSING, "presentation is required: the patient's mandate");
  const operation = `${clinic}:pay_bill`;
  const requestBytes = PayBillMessage.encode({ ...request, idempotencyKey: '' }).finish();
  const first = await earlierAnswer(deps.store, operation, key, requestBytes);
  if (first !== undefined) return PayBillAnswer.decode(first);
  const before = await clinicBill(deps.store, clinic, request.billId);
  const mandate = await deps.verifier.verify(request.presentation, { audience: clinic });
  if (mandate.subject !== before.patientId)
    throw permissionDenied(healthBillingReasons.PATIENT_MISMATCH, "the presentation is not the checked-in patient's");
  const walletKey = `pay:${before.billId}:${mandate.presentationId}`;
  const paying = await deps.store.transaction(async (tx) => {
    const bill = await clinicBill(tx, clinic, request.billId, { forUpdate: true });
    // The same mandate again (a lost answer): finish or report what it started.
    if (bill.walletKey === walletKey && (bill.status === 'paying' || bill.status === 'paid')) return bill;
    // A finalized bill is voided only once its deadline has passed (by the sweeper, or a refusal after it).
    if (bill.status === 'voided' && bill.payByMs !== undefined)
      throw failedPrecondition(healthBillingReasons.PAYMENT_DEADLINE_PASSED, 'the bill was not paid in time');
    if (bill.status !== 'awaiting_payment')
      throw failedPrecondition(
        healthBillingReasons.BILL_STATE_INVALID,
        `the bill is ${bill.status}, not awaiting payment`,
      );
    if (bill.payByMs !== undefined && bill.payByMs <= deps.now())
      throw failedPrecondition(healthBillingReasons.PAYMENT_DEADLINE_PASSED, 'the bill was not paid in time');
    const presentationSealed = deps.sealer.seal(request.presentation, payPresentationContext(bill.billId));
    await tx.bills.markPaying(bill.billId, { walletKey, presentationSealed, atMs: deps.now() });
    const marked: BillRecord = { ...bill, status: 'paying', walletKey, payPresentationSealed: presentationSealed };
    return marked;
  });
  // The answer is kept in the transaction that records the payment (one commit for both), or on its own when an
  // earlier request under this mandate already paid the bill.
  let answer: PayBillResponse | undefined;
  const keepAnswer = async (tx: HealthBillingStore, paid: BillRecord): Promise<void> => {
    const again = await tx.claim(operation, key, requestBytes);
    if (again !== undefined) {
      answer = PayBillAnswer.decode(again);
      return;
    }
    answer = { bill: await auditedBillOf(tx, paid, deps.sealer, 'payment') };
    await tx.remember(operation, key, PayBillAnswer.encode(answer).finish());
  };
  if (paying.status === 'paid') await deps.store.transaction((tx) => keepAnswer(tx, paying));
  else await settleBill(deps, paying, request.presentation, keepAnswer);
  if (answer === undefined) throw new Error('the payment was recorded without its answer');
  return answer;
}
