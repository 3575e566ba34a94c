// Every FHIR resource a bill has, in one collection Bundle: Coverage, Claim, ClaimResponse and ExplanationOfBenefit
// (once adjudicated), Invoice and each line's ChargeItem. The Patient is referenced, never included. Pure.
import { chargeItemResource, invoiceResource } from './fhir_billing.ts';
import { claimResource, claimResponseResource, coverageResource, explanationOfBenefitResource } from './fhir.ts';
import { isAdjudicated, type FhirResource, type FhirSource } from './fhir_input.ts';
import { fullUrlOf } from './fhir_references.ts';

export function billResources(source: FhirSource): FhirResource[] {
  return [
    coverageResource(source),
    claimResource(source),
    ...(isAdjudicated(source.bill) ? [claimResponseResource(source), explanationOfBenefitResource(source)] : []),
    invoiceResource(source),
    ...source.bill.lines.map((line) => chargeItemResource(source, line)),
  ];
}

export function bundleResource(source: FhirSource, timestampMs: number): FhirResource {
  return {
    resourceType: 'Bundle',
    id: source.bill.billId,
    type: 'collection',
    timestamp: new Date(timestampMs).toISOString(),
    entry: billResources(source).map((resource) => ({
      fullUrl: fullUrlOf(source.baseUrl, resource.resourceType, resource.id ?? ''),
      resource,
    })),
  };
}
