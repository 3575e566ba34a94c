// A clinic reaches only its own bills: another clinic's bill, like a missing one, is BILL_NOT_FOUND.
import { healthBillingReasons } from '@citypass/contracts';
import { failedPrecondition, invalidArgument, notFound } from '@citypass/platform/errors';
import { isUuid } from '@citypass/platform/ids';
import type { BillRecord, BillStatus, HealthBillingStore } from './store.ts';

export function checkBillId(billId: string): string {
  if (!isUuid(billId)) throw invalidArgument(healthBillingReasons.BILL_ID_INVALID, 'bill_id must be a bill id');
  return billId;
}

export async function clinicBill(
  store: HealthBillingStore,
  clinic: string,
  billId: string,
  options: { forUpdate?: boolean; status?: BillStatus } = {},
): Promise<BillRecord> {
  const bill = await store.bills.get(checkBillId(billId), { forUpdate: options.forUpdate ?? false });
  if (bill === undefined || bill.clinic !== clinic)
    throw notFound(healthBillingReasons.BILL_NOT_FOUND, 'no bill of this clinic has that id');
  if (options.status !== undefined && bill.status !== options.status)
    throw failedPrecondition(
      healthBillingReasons.BILL_STATE_INVALID,
      `the bill is ${bill.status}, not ${options.status}`,
    );
  return bill;
}
