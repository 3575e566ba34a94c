// The code systems and codes the FHIR export writes: HL7's where HL7 has one, X12's claim adjustment group and
// reason codes (CARC) for each adjustment, CARIN Blue Button's member liability, and health billing's own for its
// service codes and categories (under the export's base URL). Pure.
import { claimAdjustmentDescriptions, type ClaimAdjustmentReason } from './reason_codes.ts';

export const fhirSystems = {
  claimType: 'http://terminology.hl7.org/CodeSystem/claim-type',
  processPriority: 'http://terminology.hl7.org/CodeSystem/processpriority',
  adjudication: 'http://terminology.hl7.org/CodeSystem/adjudication',
  carinAdjudication: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication',
  coverageClass: 'http://terminology.hl7.org/CodeSystem/coverage-class',
  paymentType: 'http://terminology.hl7.org/CodeSystem/ex-paymenttype',
  adjustmentGroup: 'https://x12.org/codes/claim-adjustment-group-codes',
  adjustmentReason: 'https://x12.org/codes/claim-adjustment-reason-codes',
} as const;

/** Health billing's own code systems, under the export's base URL. */
export const serviceCodeSystem = (baseUrl: string): string => `${baseUrl}/CodeSystem/service-code`;
export const serviceCategorySystem = (baseUrl: string): string => `${baseUrl}/CodeSystem/service-category`;

export interface Coding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

export interface CodeableConcept {
  readonly coding: readonly Coding[];
}

export const concept = (system: string, code: string, display?: string): CodeableConcept => ({
  coding: [display === undefined ? { system, code } : { system, code, display }],
});

/** The line and total adjudication categories the export writes besides one per adjustment. */
export const adjudicationCategories = {
  /** What the clinic billed. */
  submitted: concept(fhirSystems.adjudication, 'submitted'),
  /** The allowed amount (the clinic's fee schedule). */
  eligible: concept(fhirSystems.adjudication, 'eligible'),
  /** What the plan pays. */
  benefit: concept(fhirSystems.adjudication, 'benefit'),
  /** What the patient pays (deductible, copay, coinsurance, not covered). */
  memberLiability: concept(fhirSystems.carinAdjudication, 'memberliability'),
} as const;

/** An adjustment's group (CO, PR, OA) as an adjudication category. */
export const adjustmentGroupCategory = (group: string): CodeableConcept => concept(fhirSystems.adjustmentGroup, group);

/** A CARC number as an adjudication reason, with its statement text when the engine gives that reason. */
export function adjustmentReason(reasonCode: string): CodeableConcept {
  const display = claimAdjustmentDescriptions[Number(reasonCode) as ClaimAdjustmentReason] as string | undefined;
  return concept(fhirSystems.adjustmentReason, reasonCode, display);
}

export const professionalClaim = concept(fhirSystems.claimType, 'professional');
export const normalPriority = concept(fhirSystems.processPriority, 'normal');
export const planClass = concept(fhirSystems.coverageClass, 'plan');
export const completePayment = concept(fhirSystems.paymentType, 'complete');
