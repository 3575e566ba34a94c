// Operator command: change an operator's scope (delegated administration, contracts' operator_scope.ts). The row
// changes at once; their tokens carry it from their next token issue or refresh, since oidc/accounts.ts reads the
// operator at each one. Tokens they hold keep the old scope until they expire: identity does not yet end an
// operator's grants when their scope changes (its OIDC adapter could, by grant id). Audited with the scope before
// and after and the reason; setting the scope they have changes nothing. Idempotent by key.
import { SetOperatorScopeRequest, SetOperatorScopeResponse } from '@citypass/proto/identity/v1/identity';
import { identityReasons, type OperatorScope } from '@citypass/contracts';
import { notFound } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { withTransaction } from '@citypass/platform/pg';
import { validateOperatorScope, validateOperatorUsername } from '../domain/operator.ts';
import { appendAudit } from '../store/audit.ts';
import { findOperator, updateOperatorScope } from '../store/operators.ts';
import { findService } from '../store/services.ts';
import { operatorToProto } from './create_operator.ts';
import type { IdentityDeps } from './deps.ts';
import { checkActionReason } from './service_clients.ts';

export async function setOperatorScope(
  deps: IdentityDeps,
  actor: string,
  request: SetOperatorScopeRequest,
): Promise<SetOperatorScopeResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const username = validateOperatorUsername(request.username);
  const scope = validateOperatorScope(request.merchant, request.department);
  const reason = checkActionReason(request.reason);
  const fingerprint = SetOperatorScopeRequest.encode({ ...request, idempotencyKey: '' }).finish();
  return withTransaction(deps.pool, async (client) => {
    const claim = await deps.idempotency.claim(client, 'set_operator_scope', key, fingerprint);
    if (claim.replayed) return SetOperatorScopeResponse.decode(claim.response);
    const before = await findOperator(client, username, { forUpdate: true });
    if (before === undefined) throw notFound(identityReasons.OPERATOR_NOT_FOUND, `no operator is named "${username}"`);
    if (scope.merchant !== '' && (await findService(client, scope.merchant)) === undefined)
      throw notFound(identityReasons.SERVICE_NOT_FOUND, `no service "${scope.merchant}" is onboarded`);
    let after = before;
    if (before.merchant !== scope.merchant || before.department !== scope.department) {
      after = (await updateOperatorScope(client, username, scope)) ?? before;
      await appendAudit(client, {
        actor,
        action: 'operator.scope_set',
        subjectId: username,
        details: { ...scopeChange(before, scope), reason },
      });
    }
    const response: SetOperatorScopeResponse = { operator: operatorToProto(after) };
    await deps.idempotency.record(
      client,
      'set_operator_scope',
      key,
      SetOperatorScopeResponse.encode(response).finish(),
    );
    return response;
  });
}

/** Both dimensions before and after; '' is unscoped in that dimension. */
function scopeChange(before: { merchant: string; department: string }, after: OperatorScope): Record<string, string> {
  return {
    merchantBefore: before.merchant,
    merchantAfter: after.merchant,
    departmentBefore: before.department,
    departmentAfter: after.department,
  };
}
