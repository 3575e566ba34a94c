// A bill's lines as FHIR ChargeItems (one per line: what was given, when, how many, at what unit price) and the bill
// as an Invoice to the patient (each line's price, less what the clinic writes off once adjudicated). Pure.
import { concept, fhirSystems, serviceCodeSystem } from './fhir_codes.ts';
import { sumOf } from './fhir_adjudication.ts';
import type { FhirBillStatus, FhirLine, FhirResource, FhirSource } from './fhir_input.ts';
import { fhirMoney, wholeDecimal } from './fhir_money.ts';
import { clinicOf, createdOf, patientOf, referenceTo } from './fhir_references.ts';

const chargeItemStatus = (status: FhirBillStatus): 'billable' | 'billed' | 'not-billable' =>
  status === 'paid' ? 'billed' : status === 'voided' || status === 'reversed' ? 'not-billable' : 'billable';

const invoiceStatus = (status: FhirBillStatus): 'draft' | 'issued' | 'balanced' | 'cancelled' => {
  switch (status) {
    case 'open':
      return 'draft';
    case 'awaiting_payment':
    case 'paying':
      return 'issued';
    case 'paid':
      return 'balanced';
    case 'voided':
    case 'reversed':
      return 'cancelled';
  }
};

export function chargeItemResource(source: FhirSource, line: FhirLine): FhirResource {
  return {
    resourceType: 'ChargeItem',
    id: line.lineId,
    status: chargeItemStatus(source.bill.status),
    code: concept(serviceCodeSystem(source.baseUrl), line.code),
    subject: patientOf(source),
    occurrenceDateTime: line.serviceDate,
    performingOrganization: clinicOf(source),
    quantity: { value: wholeDecimal(line.quantity) },
    priceOverride: fhirMoney(line.unitPriceMinor, source.bill.currency),
  };
}

const writtenOff = (line: FhirLine): bigint => line.outcome?.writtenOffMinor ?? 0n;

export function invoiceResource(source: FhirSource): FhirResource {
  const { bill } = source;
  return {
    resourceType: 'Invoice',
    id: bill.billId,
    status: invoiceStatus(bill.status),
    subject: patientOf(source),
    date: createdOf(source),
    issuer: clinicOf(source),
    lineItem: bill.lines.map((line) => ({
      sequence: line.seq,
      chargeItemReference: referenceTo('ChargeItem', line.lineId),
      priceComponent: [
        { type: 'base', amount: fhirMoney(line.billedMinor, bill.currency) },
        ...(writtenOff(line) === 0n
          ? []
          : [
              {
                type: 'discount',
                code: concept(fhirSystems.adjustmentGroup, 'CO'),
                amount: fhirMoney(writtenOff(line), bill.currency),
              },
            ]),
      ],
    })),
    totalNet: fhirMoney(
      sumOf(bill.lines, (line) => line.billedMinor - writtenOff(line)),
      bill.currency,
    ),
    totalGross: fhirMoney(
      sumOf(bill.lines, (line) => line.billedMinor),
      bill.currency,
    ),
  };
}
