// A stored bill on the wire: the lines' codes and notes opened for the clinic that asked (sealed per line and field),
// statuses and amounts as the proto says them. `paying` is awaiting payment to a caller: it is not paid yet.
import { BillStatus as WireStatus, type Bill, type LineResult } from '@citypass/proto/health_billing/v1/health_billing';
import type { LineAdjudication } from '../domain/adjudication.ts';
import { categoryOf } from './categories.ts';
import type { BillRecord, BillStatus, HealthBillingStore, LineOutcome, MedicalRead, Sealer } from './store.ts';

export const lineCodeContext = (lineId: string): string => `bill_line:${lineId}:code`;
export const lineNoteContext = (lineId: string): string => `bill_line:${lineId}:note`;

const statuses: Record<BillStatus, WireStatus> = {
  open: WireStatus.BILL_STATUS_OPEN,
  awaiting_payment: WireStatus.BILL_STATUS_AWAITING_PAYMENT,
  paying: WireStatus.BILL_STATUS_AWAITING_PAYMENT,
  paid: WireStatus.BILL_STATUS_PAID,
  voided: WireStatus.BILL_STATUS_VOIDED,
  reversed: WireStatus.BILL_STATUS_REVERSED,
};

/** The bill without its lines: ids and money only, for events. */
/**
 * A bill as an event on the bus: ids and money only. Neither its lines nor the patient travel: that a resident
 * visited a clinic is itself a medical detail, and the bus is read by services that need no such thing.
 */
export function billEventOf(bill: BillRecord): Bill {
  return { ...billSummaryOf(bill), patientId: '', reviewFlags: [] };
}

export function billSummaryOf(bill: BillRecord): Bill {
  return {
    billId: bill.billId,
    clinic: bill.clinic,
    patientId: bill.patientId,
    planId: bill.planId,
    planVersion: bill.planVersion,
    status: statuses[bill.status],
    currency: bill.currency,
    items: [],
    billedMinor: bill.billedMinor,
    writtenOffMinor: bill.writtenOffMinor,
    patientMinor: bill.patientMinor,
    planMinor: bill.planMinor,
    createdAt: new Date(bill.createdAtMs),
    payBy: bill.payByMs === undefined ? undefined : new Date(bill.payByMs),
    holdId: bill.holdId ?? '',
    replacesBillId: bill.replacesBillId ?? '',
    refundedPatientMinor: bill.refundedPatientMinor,
    refundedPlanMinor: bill.refundedPlanMinor,
    reviewFlags: bill.reviewFlags.map((flag) => ({ ...flag })),
  };
}

export function billOf(bill: BillRecord, sealer: Sealer): Bill {
  return {
    ...billSummaryOf(bill),
    items: bill.lines.map((line) => ({
      lineId: line.lineId,
      code: sealer.open(line.codeSealed, lineCodeContext(line.lineId)),
      category: categoryOf(line.category),
      serviceDate: line.serviceDate,
      quantity: line.quantity,
      unitPriceMinor: line.unitPriceMinor,
      note: line.noteSealed === undefined ? '' : sealer.open(line.noteSealed, lineNoteContext(line.lineId)),
      result: line.outcome === undefined ? undefined : lineResultOf(line.lineId, line.billedMinor, line.outcome),
      cancelled: line.cancelled,
    })),
  };
}

/**
 * The bill as its patient reads it: without the review flags, which are the clinic's and insurers' business (a
 * flag under review says nothing yet about the patient's visit).
 */
export function patientBillOf(bill: BillRecord, sealer: Sealer): Bill {
  return { ...billOf(bill, sealer), reviewFlags: [] };
}

export function lineResultOf(lineId: string, billedMinor: bigint, outcome: LineOutcome): LineResult {
  return {
    lineId,
    billedMinor,
    allowedMinor: outcome.allowedMinor,
    writtenOffMinor: outcome.writtenOffMinor,
    patientMinor: outcome.patientMinor,
    planMinor: outcome.planMinor,
    adjustments: outcome.adjustments.map((each) => ({ ...each })),
  };
}

/** The engine's line as stored: amounts and CARC adjustments only. */
export function outcomeOf(line: LineAdjudication): LineOutcome {
  return {
    allowedMinor: line.allowedMinor,
    writtenOffMinor: line.clinicWriteOffMinor,
    patientMinor: line.patientShareMinor,
    planMinor: line.planShareMinor,
    adjustments: line.adjustments.map((each) => ({
      group: each.group,
      reasonCode: String(each.reason),
      amountMinor: each.amountMinor,
    })),
  };
}

/** The bill with its lines opened for `clinic`, the read recorded in the audit log of the same transaction. */
export async function auditedBillOf(
  tx: HealthBillingStore,
  bill: BillRecord,
  sealer: Sealer,
  purpose: MedicalRead['purpose'],
): Promise<Bill> {
  if (bill.lines.length > 0)
    await tx.recordMedicalRead({
      actor: `clinic:${bill.clinic}`,
      subject: bill.patientId,
      billId: bill.billId,
      purpose,
    });
  return billOf(bill, sealer);
}
