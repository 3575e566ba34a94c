// The views' callers at the edge: insurers call with `insure:<their client id>`; residents with a presentation
// addressed to health-billing in `citypass-presentation` metadata; ExportFhir takes any of a clinic (`bill:`), an
// insurer (`insure:`) or a resident, so it authenticates the token itself when no presentation is sent.
import { serviceScope } from '@citypass/contracts';
import type { ServiceSuspensions } from '@citypass/credential';
import { permissionDenied, unauthenticated } from '@citypass/platform/errors';
import { bearerTokenOf, presentationOf, type CallContext, type Principal } from '@citypass/platform/grpc';
import { commonReasons } from '@citypass/platform/reasons';
import { verifiedResident, type Resident } from '../app/resident_access.ts';
import type { ViewDeps } from '../app/view_deps.ts';
import type { Viewer } from '../app/viewer.ts';

/** The calling insurer: its client id, if its token holds `insure:<client id>` and it is not suspended. */
export function insurerOf(suspensions: ServiceSuspensions, principal: Principal | undefined): string {
  const clientId = principal?.clientId ?? '';
  if (principal === undefined || !principal.scopes.has(serviceScope('insure', clientId)))
    throw permissionDenied(commonReasons.SCOPE_MISSING, 'insurers call with a token holding insure:<their client id>');
  suspensions.assertActive(clientId);
  return clientId;
}

export const residentOf = (deps: ViewDeps, context: CallContext): Promise<Resident> =>
  verifiedResident(deps, presentationOf(context.metadata));

export async function viewerOf(deps: ViewDeps, context: CallContext): Promise<Viewer> {
  const presentation = presentationOf(context.metadata);
  if (presentation !== undefined && presentation !== '')
    return { kind: 'resident', resident: await verifiedResident(deps, presentation) };
  const token = bearerTokenOf(context.metadata);
  if (token === '')
    throw unauthenticated(
      commonReasons.TOKEN_MISSING,
      'clinics and insurers call with a bearer token, residents with a presentation',
    );
  const principal = await deps.authenticate(token);
  const name = principal.clientId;
  deps.suspensions.assertActive(name);
  if (principal.scopes.has(serviceScope('bill', name))) return { kind: 'clinic', name };
  if (principal.scopes.has(serviceScope('insure', name))) return { kind: 'insurer', name };
  throw permissionDenied(commonReasons.SCOPE_MISSING, 'requires scope bill:<client id> or insure:<client id>');
}
