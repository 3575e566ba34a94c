// A resident reads the explanation of one of their adjudicated bills: the bill with its lines and results, and per
// adjustment group and CARC reason the amount over the whole bill with the reason's statement text. Audited
// (resident, eob.read, patient_access) with the presentation used up in the same transaction.
import { healthBillingReasons } from '@citypass/contracts';
import { failedPrecondition } from '@citypass/platform/errors';
import type {
  AdjustmentExplanation,
  GetExplanationOfBenefitRequest,
  GetExplanationOfBenefitResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import { claimAdjustmentDescriptions } from '../domain/reason_codes.ts';
import { checkBillId } from './bill_access.ts';
import { patientBillOf } from './bill_wire.ts';
import { usePresentation, type Resident } from './resident_access.ts';
import type { BillRecord } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';
import { viewableBill } from './viewer.ts';

const descriptions = new Map<string, string>(Object.entries(claimAdjustmentDescriptions));

export const isAdjudicatedBill = (bill: BillRecord): boolean =>
  bill.lines.length > 0 && bill.lines.every((line) => line.outcome !== undefined);

export function adjustmentsOf(bill: BillRecord): AdjustmentExplanation[] {
  const byReason = new Map<string, AdjustmentExplanation>();
  for (const line of bill.lines)
    for (const adjustment of line.outcome?.adjustments ?? []) {
      const key = `${adjustment.group}-${adjustment.reasonCode}`;
      const entry = byReason.get(key) ?? {
        group: adjustment.group,
        reasonCode: adjustment.reasonCode,
        description: descriptions.get(adjustment.reasonCode) ?? '',
        amountMinor: 0n,
      };
      byReason.set(key, { ...entry, amountMinor: entry.amountMinor + adjustment.amountMinor });
    }
  return [...byReason.values()];
}

export async function getExplanationOfBenefit(
  deps: VisitDeps,
  resident: Resident,
  request: GetExplanationOfBenefitRequest,
): Promise<GetExplanationOfBenefitResponse> {
  const billId = checkBillId(request.billId);
  return deps.store.transaction(async (tx) => {
    await usePresentation(tx, resident);
    const bill = viewableBill({ kind: 'resident', resident }, await tx.bills.get(billId));
    if (!isAdjudicatedBill(bill))
      throw failedPrecondition(healthBillingReasons.BILL_NOT_ADJUDICATED, 'the bill is not adjudicated yet');
    await tx.recordMedicalRead({
      actor: `resident:${resident.residentId}`,
      subject: bill.patientId,
      billId: bill.billId,
      purpose: 'patient_access',
      action: 'eob.read',
    });
    return { bill: patientBillOf(bill, deps.sealer), adjustments: adjustmentsOf(bill) };
  });
}
