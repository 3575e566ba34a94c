// A clinic reads one of its bills; the read of its lines (medical details) is audited.
import type { GetBillRequest, GetBillResponse } from '@citypass/proto/health_billing/v1/health_billing';
import { clinicBill } from './bill_access.ts';
import { auditedBillOf } from './bill_wire.ts';
import type { VisitDeps } from './visit_deps.ts';

export async function getBill(deps: VisitDeps, clinic: string, request: GetBillRequest): Promise<GetBillResponse> {
  return deps.store.transaction(async (tx) => ({
    bill: await auditedBillOf(tx, await clinicBill(tx, clinic, request.billId), deps.sealer, 'treatment'),
  }));
}
