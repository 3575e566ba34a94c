// What an operator (`health-billing:admin`) may do in health billing, from their token's scope (contracts'
// operator_scope.ts); the one place health billing decides it. The codes, coverage plans and fee schedules belong
// to the health department and to no merchant: an operator scoped to another department, or to a merchant (even a
// clinic), reaches none of them; a health-department or unscoped operator all of them.
import { healthBillingReasons, operatorAccessOf, scopeRefusal } from '@citypass/contracts';
import { permissionDenied } from '@citypass/platform/errors';
import type { Principal } from '@citypass/platform/grpc';

export function checkOperatorScope(principal: Principal | undefined): void {
  if (scopeRefusal(operatorAccessOf(principal).scope, { department: 'health' }) !== undefined)
    throw permissionDenied(healthBillingReasons.OPERATOR_OUT_OF_SCOPE, "this is outside the operator's scope");
}
