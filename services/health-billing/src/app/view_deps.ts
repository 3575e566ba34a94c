// What the views (insurers' claims and settlement, residents' bills and explanations, the FHIR export) need besides
// the visit's dependencies: the access-token check for calls that may come from a clinic, an insurer or a resident,
// and the base URL of exported FHIR resources.
import type { Authenticate } from '@citypass/platform/grpc';
import type { VisitDeps } from './visit_deps.ts';

export interface ViewDeps extends VisitDeps {
  /** Verifies a bearer access token (ExportFhir authenticates clinics and insurers itself: residents have none). */
  readonly authenticate: Authenticate;
  /** Absolute, without a trailing slash. */
  readonly fhirBaseUrl: string;
}
