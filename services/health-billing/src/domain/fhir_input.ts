// What the FHIR export maps from: a bill with its lines (codes opened), each line's adjudication once the bill is
// adjudicated, the plan version that adjudicated it and the member. The patient is only ever a reference. Pure.

/** `reversed`: paid, then voided by the clinic with everything refunded. */
export type FhirBillStatus = 'open' | 'awaiting_payment' | 'paying' | 'paid' | 'voided' | 'reversed';

export interface FhirAdjustment {
  /** CO, PR, OA. */
  readonly group: string;
  /** The CARC number. */
  readonly reasonCode: string;
  readonly amountMinor: bigint;
}

/** billed = writtenOff + patient + plan. */
export interface FhirLineOutcome {
  readonly allowedMinor: bigint;
  readonly writtenOffMinor: bigint;
  readonly patientMinor: bigint;
  readonly planMinor: bigint;
  readonly adjustments: readonly FhirAdjustment[];
}

export interface FhirLine {
  readonly lineId: string;
  /** 1, 2, ... in the bill: the FHIR item sequence. */
  readonly seq: number;
  /** The service code (medical detail: only for callers allowed to read the bill). */
  readonly code: string;
  readonly category: string;
  /** YYYY-MM-DD. */
  readonly serviceDate: string;
  readonly quantity: number;
  readonly unitPriceMinor: bigint;
  readonly billedMinor: bigint;
  readonly outcome: FhirLineOutcome | undefined;
}

export interface FhirBill {
  readonly billId: string;
  readonly clinic: string;
  readonly insurer: string;
  readonly currency: string;
  readonly status: FhirBillStatus;
  readonly createdAtMs: number;
  readonly lines: readonly FhirLine[];
}

export interface FhirPlan {
  readonly planId: string;
  readonly version: number;
  /** YYYY-MM-DD. */
  readonly effectiveFrom: string;
}

export interface FhirMember {
  /** The resident id: written as `Patient/<id>`, nothing else about the patient. */
  readonly patientId: string;
}

export interface FhirSource {
  readonly bill: FhirBill;
  readonly plan: FhirPlan;
  readonly member: FhirMember;
  /** Absolute URL the bundle's fullUrls and health billing's code systems live under, no trailing slash. */
  readonly baseUrl: string;
}

/** A FHIR resource as plain data (FhirDecimal where JSON needs an exact decimal number). */
export interface FhirResource {
  readonly resourceType: string;
  readonly id?: string;
  readonly [field: string]: unknown;
}

export const isAdjudicated = (bill: FhirBill): boolean =>
  bill.lines.length > 0 && bill.lines.every((line) => line.outcome !== undefined);
