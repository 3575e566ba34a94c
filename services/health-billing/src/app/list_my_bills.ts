// A resident lists their own bills, newest first, with their lines (codes, notes, results): their own medical data,
// each bill read audited (resident, patient_access). The presentation is used up in the same transaction.
import type { ListMyBillsRequest, ListMyBillsResponse } from '@citypass/proto/health_billing/v1/health_billing';
import { patientBillOf } from './bill_wire.ts';
import { cursorOf, pageOf, pageSizeOf } from './page_token.ts';
import { usePresentation, type Resident } from './resident_access.ts';
import type { VisitDeps } from './visit_deps.ts';

export async function listMyBills(
  deps: VisitDeps,
  resident: Resident,
  request: ListMyBillsRequest,
): Promise<ListMyBillsResponse> {
  const after = cursorOf(request.pageToken);
  const size = pageSizeOf(request.pageSize, 20);
  return deps.store.transaction(async (tx) => {
    await usePresentation(tx, resident);
    const { page, nextPageToken } = pageOf(await tx.billPages.ofPatient(resident.residentId, after, size + 1), size);
    for (const bill of page)
      await tx.recordMedicalRead({
        actor: `resident:${resident.residentId}`,
        subject: bill.patientId,
        billId: bill.billId,
        purpose: 'patient_access',
      });
    return { bills: page.map((bill) => patientBillOf(bill, deps.sealer)), nextPageToken };
  });
}
