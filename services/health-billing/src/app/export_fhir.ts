// Exports a bill as FHIR R4 JSON, one resource or the whole Bundle, to the clinic that made it, the insurer it is
// addressed to or its patient (any other bill is BILL_NOT_FOUND). The export is audited (fhir.export) in the
// transaction that reads the bill; a resident's presentation is used up in it too. An export too large for one answer
// is refused before anything is recorded (export_size.ts).
import { healthBillingReasons } from '@citypass/contracts';
import { failedPrecondition, invalidArgument, notFound } from '@citypass/platform/errors';
import {
  FhirResourceType,
  type ExportFhirRequest,
  type ExportFhirResponse,
} from '@citypass/proto/health_billing/v1/health_billing';
import {
  claimResource,
  claimResponseResource,
  coverageResource,
  explanationOfBenefitResource,
} from '../domain/fhir.ts';
import { chargeItemResource, invoiceResource } from '../domain/fhir_billing.ts';
import { bundleResource } from '../domain/fhir_bundle.ts';
import type { FhirResource, FhirSource } from '../domain/fhir_input.ts';
import { fhirJson } from '../domain/fhir_json.ts';
import { checkBillId } from './bill_access.ts';
import { checkedExport } from './export_size.ts';
import { fhirSourceOf } from './fhir_source.ts';
import { isAdjudicatedBill } from './get_explanation_of_benefit.ts';
import { usePresentation } from './resident_access.ts';
import type { ViewDeps } from './view_deps.ts';
import { actorOf, purposeOf, viewableBill, type Viewer } from './viewer.ts';

const needsAdjudication = new Set<FhirResourceType>([
  FhirResourceType.FHIR_RESOURCE_TYPE_CLAIM_RESPONSE,
  FhirResourceType.FHIR_RESOURCE_TYPE_EXPLANATION_OF_BENEFIT,
]);

function resourceOf(source: FhirSource, request: ExportFhirRequest, nowMs: number): FhirResource {
  switch (request.resourceType) {
    case FhirResourceType.FHIR_RESOURCE_TYPE_COVERAGE:
      return coverageResource(source);
    case FhirResourceType.FHIR_RESOURCE_TYPE_CLAIM:
      return claimResource(source);
    case FhirResourceType.FHIR_RESOURCE_TYPE_CLAIM_RESPONSE:
      return claimResponseResource(source);
    case FhirResourceType.FHIR_RESOURCE_TYPE_EXPLANATION_OF_BENEFIT:
      return explanationOfBenefitResource(source);
    case FhirResourceType.FHIR_RESOURCE_TYPE_INVOICE:
      return invoiceResource(source);
    case FhirResourceType.FHIR_RESOURCE_TYPE_CHARGE_ITEM: {
      const line = source.bill.lines.find((each) => each.lineId === request.lineId);
      if (line === undefined) throw notFound(healthBillingReasons.LINE_NOT_FOUND, 'the bill has no line with that id');
      return chargeItemResource(source, line);
    }
    case FhirResourceType.FHIR_RESOURCE_TYPE_BUNDLE:
      return bundleResource(source, nowMs);
    case FhirResourceType.FHIR_RESOURCE_TYPE_UNSPECIFIED:
    case FhirResourceType.UNRECOGNIZED:
      throw invalidArgument(healthBillingReasons.FHIR_RESOURCE_TYPE_INVALID, 'resource_type must be specified');
  }
}

export async function exportFhir(
  deps: ViewDeps,
  viewer: Viewer,
  request: ExportFhirRequest,
): Promise<ExportFhirResponse> {
  const billId = checkBillId(request.billId);
  const type: number = request.resourceType;
  if (type <= 0 || type > FhirResourceType.FHIR_RESOURCE_TYPE_BUNDLE)
    throw invalidArgument(healthBillingReasons.FHIR_RESOURCE_TYPE_INVALID, 'resource_type must be specified');
  return deps.store.transaction(async (tx) => {
    if (viewer.kind === 'resident') await usePresentation(tx, viewer.resident);
    const bill = viewableBill(viewer, await tx.bills.get(billId));
    if (needsAdjudication.has(request.resourceType) && !isAdjudicatedBill(bill))
      throw failedPrecondition(healthBillingReasons.BILL_NOT_ADJUDICATED, 'the bill is not adjudicated yet');
    const resource = resourceOf(await fhirSourceOf(tx, bill, deps.sealer, deps.fhirBaseUrl), request, deps.now());
    const resourceJson = checkedExport(fhirJson(resource));
    await tx.recordMedicalRead({
      actor: actorOf(viewer),
      subject: bill.patientId,
      billId: bill.billId,
      purpose: purposeOf(viewer),
      action: 'fhir.export',
    });
    return { resourceJson };
  });
}
