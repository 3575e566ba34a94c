// IdentityService over gRPC: decode -> app -> encode. Every method needs the operator scope, then what
// app/operator_scope.ts allows the operator's roles and scope.
import { identityReasons, operatorScopes } from '@citypass/contracts';
import { IdentityServiceService } from '@citypass/proto/identity/v1/identity';
import { notFound } from '@citypass/platform/errors';
import type { FieldLimits } from '@citypass/platform/field_limits';
import type { CallContext, GrpcServer, MethodPolicy } from '@citypass/platform/grpc';
import { createOperator } from '../app/create_operator.ts';
import { cityWideAccess, listAccess, serviceAccess, type IdentityAction } from '../app/operator_scope.ts';
import { createResident } from '../app/create_resident.ts';
import { isOperatorSignInClient } from '../oidc/clients.ts';
import type { IdentityDeps } from '../app/deps.ts';
import { getResident, issueEnrollmentCode } from '../app/residents.ts';
import { listAuditEvents } from '../app/list_audit_events.ts';
import { listResidents } from '../app/list_residents.ts';
import { listCredentials } from '../app/list_credentials.ts';
import { listServices } from '../app/list_services.ts';
import { onboardService } from '../app/onboard_service.ts';
import { rotateServiceSecret } from '../app/rotate_service_secret.ts';
import { setOperatorScope } from '../app/set_operator_scope.ts';
import { checkActionReason, getServiceClient, resumeService, suspendService } from '../app/service_clients.ts';
import { checkCredentialId, readCredentialStatus, revokeCredential } from '../app/revoke_credential.ts';

const operatorOnly: MethodPolicy = { anyScope: [operatorScopes.identity] };
/** Beyond the platform's 1,024 characters, as identity.proto states: 1-5 public keys, RSA ones with certificates. */
const fieldLimits: FieldLimits = { jwks_json: 16_384 };

export function addIdentityService(
  server: GrpcServer,
  deps: IdentityDeps,
  rotateSigningKey: (actor: string, reason: string) => Promise<{ kid: string; activatesAt: Date }>,
): void {
  // An operator signed in to the console or the CLI acts as themself (their subject is `operator:<username>`).
  const actorOf = ({ principal }: CallContext): string =>
    principal !== undefined && isOperatorSignInClient(principal.clientId)
      ? principal.subject
      : `operator:${principal?.clientId ?? 'unknown'}`;
  // Each call first passes operator_scope.ts's check for what it touches; the actor it acts as comes back.
  const cityWide = (context: CallContext, action: IdentityAction): string => {
    cityWideAccess(context.principal, action);
    return actorOf(context);
  };
  const ofService = (context: CallContext, name: string, action: IdentityAction): string => {
    serviceAccess(context.principal, name, action);
    return actorOf(context);
  };
  server.addService(
    'citypass.identity.v1.IdentityService',
    IdentityServiceService,
    {
      createResident: (request, context) => createResident(deps, cityWide(context, 'residents'), request),
      getResident: (request, context) => {
        cityWide(context, 'read');
        return getResident(deps, request.residentId);
      },
      listResidents: (request, context) => {
        cityWide(context, 'read');
        return listResidents(deps, request);
      },
      listCredentials: (request, context) => {
        cityWide(context, 'read');
        return listCredentials(deps, request);
      },
      issueEnrollmentCode: async (request, context) => ({
        enrollmentCode: await issueEnrollmentCode(deps, cityWide(context, 'residents'), request.residentId),
      }),
      revokeCredential: async (request, context) => ({
        credential: await revokeCredential(deps, request.credentialId, request.reason, {
          by: 'operator',
          actor: cityWide(context, 'residents'),
        }),
      }),
      getCredentialStatus: async (request, context) => {
        cityWide(context, 'read');
        const credential = await readCredentialStatus(deps.pool, checkCredentialId(request.credentialId), deps.now());
        if (credential === undefined) throw notFound(identityReasons.CREDENTIAL_NOT_FOUND, 'no such credential');
        return { credential };
      },
      onboardService: (request, context) => onboardService(deps, cityWide(context, 'services'), request),
      listServices: (request, context) => listServices(deps, listAccess(context.principal), request),
      listAuditEvents: (request, context) => listAuditEvents(deps, listAccess(context.principal), request),
      rotateSigningKey: async (request, context) => {
        const actor = cityWide(context, 'operators');
        return rotateSigningKey(actor, checkActionReason(request.reason));
      },
      createOperator: (request, context) => createOperator(deps, cityWide(context, 'operators'), request),
      getServiceClient: async (request, context) => {
        serviceAccess(context.principal, request.clientId, 'read');
        return { service: await getServiceClient(deps, request.clientId) };
      },
      rotateServiceSecret: (request, context) =>
        rotateServiceSecret(deps, ofService(context, request.clientId, 'services'), request),
      suspendService: async (request, context) => ({
        service: await suspendService(deps, ofService(context, request.clientId, 'services'), request),
      }),
      resumeService: async (request, context) => ({
        service: await resumeService(deps, ofService(context, request.clientId, 'services'), request),
      }),
      setOperatorScope: (request, context) => setOperatorScope(deps, cityWide(context, 'operators'), request),
    },
    {
      createResident: operatorOnly,
      getResident: operatorOnly,
      listResidents: operatorOnly,
      listCredentials: operatorOnly,
      issueEnrollmentCode: operatorOnly,
      revokeCredential: operatorOnly,
      getCredentialStatus: operatorOnly,
      onboardService: operatorOnly,
      listServices: operatorOnly,
      listAuditEvents: operatorOnly,
      rotateSigningKey: operatorOnly,
      createOperator: operatorOnly,
      getServiceClient: operatorOnly,
      rotateServiceSecret: operatorOnly,
      suspendService: operatorOnly,
      resumeService: operatorOnly,
      setOperatorScope: operatorOnly,
    },
    fieldLimits,
  );
}
