// Who reads a bill outside the desk: the clinic that made it, the insurer it is addressed to, or its patient. Each
// reaches only those bills: any other, like a missing one, is BILL_NOT_FOUND. Every read is audited by the caller
// in its transaction as `<kind>:<name>`.
import { healthBillingReasons } from '@citypass/contracts';
import { notFound } from '@citypass/platform/errors';
import type { Resident } from './resident_access.ts';
import type { BillRecord, MedicalRead } from './store.ts';

export type Viewer =
  | { readonly kind: 'clinic'; readonly name: string }
  | { readonly kind: 'insurer'; readonly name: string }
  | { readonly kind: 'resident'; readonly resident: Resident };

export const actorOf = (viewer: Viewer): MedicalRead['actor'] =>
  viewer.kind === 'resident' ? `resident:${viewer.resident.residentId}` : `${viewer.kind}:${viewer.name}`;

/** Why each viewer reads: the clinic and the insurer for payment, the patient for their own access. */
export const purposeOf = (viewer: Viewer): MedicalRead['purpose'] =>
  viewer.kind === 'resident' ? 'patient_access' : 'payment';

function mayRead(viewer: Viewer, bill: BillRecord): boolean {
  switch (viewer.kind) {
    case 'clinic':
      return bill.clinic === viewer.name;
    case 'insurer':
      return bill.insurer === viewer.name;
    case 'resident':
      return bill.patientId === viewer.resident.residentId;
  }
}

export function viewableBill(viewer: Viewer, bill: BillRecord | undefined): BillRecord {
  if (bill === undefined || !mayRead(viewer, bill))
    throw notFound(healthBillingReasons.BILL_NOT_FOUND, 'no bill you may read has that id');
  return bill;
}
