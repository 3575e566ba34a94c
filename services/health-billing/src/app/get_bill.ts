// A clinic reads one of its bills.
import type { GetBillRequest, GetBillResponse } from '@citypass/proto/health_billing/v1/health_billing';
import { clinicBill } from './bill_access.ts';
import { billOf } from './bill_wire.ts';
import type { VisitDeps } from './visit_deps.ts';

export async function getBill(deps: VisitDeps, clinic: string, request: GetBillRequest): Promise<GetBillResponse> {
  return { bill: billOf(await clinicBill(deps.store, clinic, request.billId), deps.sealer) };
}
