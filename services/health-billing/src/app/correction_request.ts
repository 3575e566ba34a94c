// What every correction command (CorrectBill, VoidBill, ReplaceBill) shares: the clinic's reason (medical free
// text: required, bounded, sealed at rest), the refusal of a bill that is not paid, and the answer read after the
// refund was tried: the bill with its lines for the clinic (an audited read) and the correction as it stands now.
import { healthBillingReasons } from '@citypass/contracts';
import { failedPrecondition, invalidArgument } from '@citypass/platform/errors';
import type { Bill, BillCorrection } from '@citypass/proto/health_billing/v1/health_billing';
import { auditedBillOf } from './bill_wire.ts';
import { correctionWireOf } from './correction_wire.ts';
import { checkMedicalText } from './medical_text.ts';
import { refundCorrection } from './refund_correction.ts';
import type { BillRecord, HealthBillingStore } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

export const maxCorrectionReasonLength = 256;

export function checkCorrectionReason(reason: string): string {
  if (reason.trim() === '')
    throw invalidArgument(healthBillingReasons.TEXT_INVALID, 'reason is required: why the bill is corrected');
  return checkMedicalText(reason, 'reason', maxCorrectionReasonLength);
}

export function requirePaid(bill: BillRecord): void {
  if (bill.status !== 'paid')
    throw failedPrecondition(
      healthBillingReasons.BILL_NOT_PAID,
      `the bill is ${bill.status}: only a paid bill is corrected`,
    );
}

/** The correction's refund tried once more if it is still pending (same wallet key), then the bill and it read. */
export async function correctionAnswer(
  deps: VisitDeps,
  billId: string,
  correctionId: string | undefined,
): Promise<{ bill: Bill; correction: BillCorrection | undefined }> {
  if (correctionId !== undefined) await refundCorrection(deps, correctionId);
  return deps.store.transaction(async (tx: HealthBillingStore) => {
    const bill = (await tx.bills.get(billId)) as BillRecord;
    const correction = correctionId === undefined ? undefined : await tx.corrections.get(correctionId);
    return {
      bill: await auditedBillOf(tx, bill, deps.sealer, 'payment'),
      correction: correction === undefined ? undefined : correctionWireOf(correction),
    };
  });
}
