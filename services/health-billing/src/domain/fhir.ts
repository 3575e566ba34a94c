// A bill as FHIR R4's financial resources: the Coverage it was adjudicated under, the Claim (its lines, what the
// clinic asks), the ClaimResponse (the plan's adjudication of each line) and the ExplanationOfBenefit (both, for the
// patient). Money is exact decimals of the bill's currency; totals are the sums of the items. Invoice and
// ChargeItem are in fhir_billing.ts, the Bundle in fhir_bundle.ts. Pure.
import assert from 'node:assert/strict';
import { adjudicationTotals, lineAdjudication, sumOf } from './fhir_adjudication.ts';
import {
  completePayment,
  concept,
  normalPriority,
  planClass,
  professionalClaim,
  serviceCategorySystem,
  serviceCodeSystem,
} from './fhir_codes.ts';
import { isAdjudicated, type FhirBillStatus, type FhirLine, type FhirResource, type FhirSource } from './fhir_input.ts';
import { fhirMoney, wholeDecimal } from './fhir_money.ts';
import { clinicOf, coverageOf, createdOf, insurerOf, patientOf, referenceTo } from './fhir_references.ts';

/** Claim, ClaimResponse and ExplanationOfBenefit status (financial resource status codes). */
const financialStatus = (status: FhirBillStatus): 'active' | 'cancelled' | 'draft' =>
  status === 'voided' || status === 'reversed' ? 'cancelled' : status === 'open' ? 'draft' : 'active';

export function coverageResource(source: FhirSource): FhirResource {
  return {
    resourceType: 'Coverage',
    id: source.bill.billId,
    status: 'active',
    beneficiary: patientOf(source),
    period: { start: source.plan.effectiveFrom },
    payor: [insurerOf(source)],
    class: [{ type: planClass, value: source.plan.planId, name: `version ${source.plan.version}` }],
  };
}

/** A line as a claim item: what was given (code, category, date, quantity) and what it costs. */
function claimItem(source: FhirSource, line: FhirLine): Record<string, unknown> {
  const { baseUrl, bill } = source;
  return {
    sequence: line.seq,
    category: concept(serviceCategorySystem(baseUrl), line.category),
    productOrService: concept(serviceCodeSystem(baseUrl), line.code),
    servicedDate: line.serviceDate,
    quantity: { value: wholeDecimal(line.quantity) },
    unitPrice: fhirMoney(line.unitPriceMinor, bill.currency),
    net: fhirMoney(line.billedMinor, bill.currency),
  };
}

export function claimResource(source: FhirSource): FhirResource {
  const { bill } = source;
  return {
    resourceType: 'Claim',
    id: bill.billId,
    status: financialStatus(bill.status),
    type: professionalClaim,
    use: 'claim',
    patient: patientOf(source),
    created: createdOf(source),
    insurer: insurerOf(source),
    provider: clinicOf(source),
    priority: normalPriority,
    insurance: [{ sequence: 1, focal: true, coverage: coverageOf(source) }],
    item: bill.lines.map((line) => claimItem(source, line)),
    total: fhirMoney(
      sumOf(bill.lines, (line) => line.billedMinor),
      bill.currency,
    ),
  };
}

/** What the plan paid, once both shares are captured. */
function paymentOf(source: FhirSource): Record<string, unknown> {
  const { bill } = source;
  if (bill.status !== 'paid') return {};
  const planMinor = sumOf(bill.lines, (line) => line.outcome?.planMinor ?? 0n);
  return { payment: { type: completePayment, amount: fhirMoney(planMinor, bill.currency) } };
}

function assertAdjudicated(source: FhirSource): void {
  assert.ok(isAdjudicated(source.bill), 'a claim response needs an adjudicated bill (the caller checks)');
}

export function claimResponseResource(source: FhirSource): FhirResource {
  assertAdjudicated(source);
  const { bill } = source;
  return {
    resourceType: 'ClaimResponse',
    id: bill.billId,
    status: financialStatus(bill.status),
    type: professionalClaim,
    use: 'claim',
    patient: patientOf(source),
    created: createdOf(source),
    insurer: insurerOf(source),
    requestor: clinicOf(source),
    request: referenceTo('Claim', bill.billId),
    outcome: 'complete',
    item: bill.lines.map((line) => ({
      itemSequence: line.seq,
      adjudication: lineAdjudication(line, line.outcome ?? assert.fail('adjudicated'), bill.currency),
    })),
    total: adjudicationTotals(bill.lines, bill.currency),
    ...paymentOf(source),
  };
}

export function explanationOfBenefitResource(source: FhirSource): FhirResource {
  assertAdjudicated(source);
  const { bill } = source;
  return {
    resourceType: 'ExplanationOfBenefit',
    id: bill.billId,
    status: financialStatus(bill.status),
    type: professionalClaim,
    use: 'claim',
    patient: patientOf(source),
    created: createdOf(source),
    insurer: insurerOf(source),
    provider: clinicOf(source),
    claim: referenceTo('Claim', bill.billId),
    claimResponse: referenceTo('ClaimResponse', bill.billId),
    outcome: 'complete',
    insurance: [{ focal: true, coverage: coverageOf(source) }],
    item: bill.lines.map((line) => ({
      ...claimItem(source, line),
      adjudication: lineAdjudication(line, line.outcome ?? assert.fail('adjudicated'), bill.currency),
    })),
    total: adjudicationTotals(bill.lines, bill.currency),
    ...paymentOf(source),
  };
}
