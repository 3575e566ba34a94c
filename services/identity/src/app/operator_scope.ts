// What an operator may see and do at identity, from their token's roles and scope (contracts' operator_scope.ts);
// the one place identity decides it. Every method already needs identity:admin (admin, onboarder, support).
//
// Scope: a service client (its details, secret rotation, suspension, its `service.*` audit events) belongs to the
// merchant of its name and to no department. Everything else here (residents, credentials, onboarding, operators,
// signing keys, the rest of the audit log) belongs to the whole city: only unscoped operators reach it. So a
// merchant-scoped operator lists only their own service and its audit events, a department-scoped one nothing here.
//
// Roles: onboarding and a service's secret and suspension need admin or onboarder; residents, enrollment codes and
// revocations admin or support; operators and signing keys admin; reads any role that holds the scope.
import {
  hasAnyRole,
  identityReasons,
  isScoped,
  operatorAccessOf,
  scopeRefusal,
  type OperatorAccess,
  type OperatorRole,
} from '@citypass/contracts';
import { permissionDenied } from '@citypass/platform/errors';
import type { Principal } from '@citypass/platform/grpc';

export type IdentityAction = 'read' | 'services' | 'residents' | 'operators';

const rolesOf: Readonly<Record<IdentityAction, readonly OperatorRole[]>> = {
  read: ['admin', 'onboarder', 'support'],
  services: ['admin', 'onboarder'],
  residents: ['admin', 'support'],
  operators: ['admin'],
};

/** The audit actions that are about a service client, its subject being the service's name. */
export const serviceAuditActionPrefix = 'service.';

function checkRoles(access: OperatorAccess, action: IdentityAction): void {
  if (!hasAnyRole(access, rolesOf[action]))
    throw permissionDenied(
      identityReasons.OPERATOR_ROLE_MISSING,
      `this needs the role ${rolesOf[action].join(' or ')}`,
    );
}

/** For what belongs to the whole city: the operator's access, if unscoped and holding a role for `action`. */
export function cityWideAccess(principal: Principal | undefined, action: IdentityAction): OperatorAccess {
  const access = operatorAccessOf(principal);
  checkRoles(access, action);
  if (isScoped(access.scope))
    throw permissionDenied(identityReasons.OPERATOR_OUT_OF_SCOPE, 'a scoped operator reaches only their own service');
  return access;
}

/** For the service client `name`: the operator's access, if their scope covers it and a role allows `action`. */
export function serviceAccess(principal: Principal | undefined, name: string, action: IdentityAction): OperatorAccess {
  const access = operatorAccessOf(principal);
  checkRoles(access, action);
  switch (scopeRefusal(access.scope, { merchant: name })) {
    case undefined:
      return access;
    case 'merchant':
      throw permissionDenied(identityReasons.OPERATOR_OTHER_MERCHANT, "this is another merchant's service");
    case 'outside':
      throw permissionDenied(identityReasons.OPERATOR_OUT_OF_SCOPE, "a department's operator has no service here");
  }
}

/**
 * For a list: the operator's access, which a list narrows to `scope.merchant` when set; a department scope owns
 * nothing here.
 */
export function listAccess(principal: Principal | undefined): OperatorAccess {
  const access = operatorAccessOf(principal);
  checkRoles(access, 'read');
  if (access.scope.department !== '')
    throw permissionDenied(identityReasons.OPERATOR_OUT_OF_SCOPE, "a department's operator has no service here");
  return access;
}
