// Operator command: make an operator account (a person who signs in to the console). Without a password one is
// made up and returned once; either way only its argon2id hash is kept. Idempotent: the same key returns the
// first answer (the same initial password, kept sealed like every stored response).
import { randomBytes } from 'node:crypto';
import { CreateOperatorRequest, CreateOperatorResponse, OperatorRole } from '@citypass/proto/identity/v1/identity';
import { identityReasons, type OperatorRole as Role, type OperatorScope } from '@citypass/contracts';
import { alreadyExists, notFound } from '@citypass/platform/errors';
import { checkIdempotencyKey } from '@citypass/platform/idempotency';
import { withTransaction } from '@citypass/platform/pg';
import { validateOperatorRoles, validateOperatorScope, validateOperatorUsername } from '../domain/operator.ts';
import { appendAudit } from '../store/audit.ts';
import { insertOperator, type OperatorRow } from '../store/operators.ts';
import { findService } from '../store/services.ts';
import type { IdentityDeps } from './deps.ts';
import { checkPasswordPolicy, hashPassword } from './password.ts';

export async function createOperator(
  deps: IdentityDeps,
  actor: string,
  request: CreateOperatorRequest,
): Promise<CreateOperatorResponse> {
  const key = checkIdempotencyKey(request.idempotencyKey);
  const username = validateOperatorUsername(request.username);
  const roles = validateOperatorRoles(request.roles.map(roleFromProto));
  const scope = validateOperatorScope(request.merchant, request.department);
  const initialPassword = request.password === '' ? randomBytes(18).toString('base64url') : '';
  const passwordHash = await hashPassword(checkPasswordPolicy(request.password || initialPassword));
  // The stored fingerprint never holds the password, only whether one was given.
  const fingerprint = CreateOperatorRequest.encode({
    ...request,
    idempotencyKey: '',
    password: request.password === '' ? '' : 'given',
  }).finish();
  return withTransaction(deps.pool, async (client) => {
    const claim = await deps.idempotency.claim(client, 'create_operator', key, fingerprint);
    if (claim.replayed) return CreateOperatorResponse.decode(claim.response);
    if (scope.merchant !== '' && (await findService(client, scope.merchant)) === undefined)
      throw notFound(identityReasons.SERVICE_NOT_FOUND, `no service "${scope.merchant}" is onboarded`);
    const operator = await insertOperator(client, { username, passwordHash, roles, ...scope });
    if (operator === undefined)
      throw alreadyExists(identityReasons.OPERATOR_EXISTS, `an operator named "${username}" exists`);
    await appendAudit(client, {
      actor,
      action: 'operator.created',
      subjectId: username,
      details: { roles: roles.join(' '), ...scopeDetails(scope) },
    });
    const response: CreateOperatorResponse = { operator: operatorToProto(operator), initialPassword };
    await deps.idempotency.record(client, 'create_operator', key, CreateOperatorResponse.encode(response).finish());
    return response;
  });
}

/** The scope in the audit entry only when there is one, so unscoped operators' entries read as before. */
function scopeDetails(scope: OperatorScope): Record<string, string> {
  return {
    ...(scope.merchant === '' ? {} : { merchant: scope.merchant }),
    ...(scope.department === '' ? {} : { department: scope.department }),
  };
}

function roleFromProto(role: OperatorRole): string {
  const name = Object.entries(OperatorRole).find(([, value]) => value === role)?.[0] ?? '';
  return name === 'OPERATOR_ROLE_UNSPECIFIED' ? '' : name.replace('OPERATOR_ROLE_', '').toLowerCase();
}

export function roleToProto(role: Role): OperatorRole {
  return OperatorRole[`OPERATOR_ROLE_${role.toUpperCase()}` as keyof typeof OperatorRole];
}

export function operatorToProto(operator: OperatorRow): NonNullable<CreateOperatorResponse['operator']> {
  return {
    username: operator.username,
    roles: validateOperatorRoles(operator.roles).map(roleToProto),
    disabled: operator.disabled,
    createdAt: operator.createdAt,
    merchant: operator.merchant,
    department: operator.department,
  };
}
