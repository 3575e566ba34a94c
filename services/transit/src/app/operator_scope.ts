// What an operator (`transit:admin`) may see and do in transit, from their token's roles and scope (contracts'
// operator_scope.ts); the one place transit decides it.
//
// Everything here belongs to the transit department. A gate also belongs to the merchant that operates it (the
// gate client it is assigned to); fare rules, their preview, the deny list, journeys and the decision which client
// operates which gate belong to no merchant. So a merchant-scoped operator lists only the gates their client
// operates and reaches nothing else; an operator of another department (health) reaches nothing; a transit one, or
// an unscoped one, everything.
//
// Roles: changing fare rules and assigning gates need admin. Admins and auditors hold transit:admin (contracts'
// operator_roles.ts); an auditor reads everything here (the audit log, and the fare rules, gates, deny list and
// journeys its rows name) and changes nothing: every change is checked here, by role.
import { hasAnyRole, operatorAccessOf, scopeRefusal, transitReasons } from '@citypass/contracts';
import { permissionDenied } from '@citypass/platform/errors';
import type { Principal } from '@citypass/platform/grpc';

const department = 'transit';

/** Nothing transit names by merchant is refused: a merchant's view of the gates is narrowed, not refused. */
function outOfScope(): never {
  throw permissionDenied(transitReasons.OPERATOR_OUT_OF_SCOPE, "this is outside the operator's scope");
}

/** For the department's own things (fare rules, deny list, journeys, assignments); `change` needs admin. */
export function checkDepartmentAccess(principal: Principal | undefined, change: boolean): void {
  const access = operatorAccessOf(principal);
  if (change && !hasAnyRole(access, ['admin']))
    throw permissionDenied(transitReasons.OPERATOR_ROLE_MISSING, 'changing this needs the admin role');
  if (scopeRefusal(access.scope, { department }) !== undefined) outOfScope();
}

/**
 * For the audit log: the merchant whose rows the operator reads ('' for every row), if a role of theirs may read
 * audit (admin or auditor); refused when their scope does not reach transit. A merchant-scoped operator reads the
 * actions on their own gates (rows about that gate client), nothing else.
 */
export function auditMerchantOf(principal: Principal | undefined): string {
  const access = operatorAccessOf(principal);
  if (!hasAnyRole(access, ['admin', 'auditor']))
    throw permissionDenied(
      transitReasons.OPERATOR_ROLE_MISSING,
      'reading the audit log needs the admin or auditor role',
    );
  if (access.scope.department !== '' && access.scope.department !== department) outOfScope();
  return access.scope.merchant;
}

/**
 * For the gate list: the one client whose gates the operator sees, '' for every gate; refused when their scope does
 * not reach transit's gates at all.
 */
export function gateClientOfList(principal: Principal | undefined): string {
  const { scope } = operatorAccessOf(principal);
  if (scope.department !== '' && scope.department !== department) outOfScope();
  return scope.merchant;
}
