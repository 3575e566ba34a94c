// What the views (insurers' claims and settlement, residents' bills and explanations, the FHIR export) need besides
// the visit's dependencies: the access-token check for calls that may come from a clinic, an insurer or a resident,
// and the base URL of exported FHIR resources.
import type { ServiceSuspensions } from '@citypass/credential';
import type { Authenticate } from '@citypass/platform/grpc';
import type { VisitDeps } from './visit_deps.ts';

export interface ViewDeps extends VisitDeps {
  /** Verifies a bearer access token (ExportFhir authenticates clinics and insurers itself: residents have none). */
  readonly authenticate: Authenticate;
  /**
   * Clinics and insurers an operator suspended (identity's events): their unexpired tokens are refused, except to
   * void a bill or release a pre-authorization, which only give reserved money back (grpc/health_billing_service.ts).
   */
  readonly suspensions: ServiceSuspensions;
  /** Absolute, without a trailing slash. */
  readonly fhirBaseUrl: string;
}
