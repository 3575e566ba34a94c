// Operator sign-in, called by the console's login interaction: username and password, checked one at a time per
// operator (the row is locked FOR UPDATE), audited, and locking the account after `maxFailures` in a row, like
// residents'. A disabled operator cannot sign in. The caller only ever learns "invalid credentials" or "locked".
import { identityReasons } from '@citypass/contracts';
import { unauthenticated } from '@citypass/platform/errors';
import { withTransaction, type PoolClient } from '@citypass/platform/pg';
import { operatorAccountId } from '../domain/operator.ts';
import { identityMetrics } from '../metrics.ts';
import { appendAudit } from '../store/audit.ts';
import {
  clearOperatorSignInFailures,
  lockOperatorPasswordState,
  recordOperatorSignInFailure,
} from '../store/operators.ts';
import type { IdentityDeps } from './deps.ts';
import { burnPasswordCheck, verifyPassword } from './password.ts';

const maxFailures = 5;
const lockMs = 15 * 60 * 1000;

type Outcome = 'UNKNOWN_OPERATOR' | 'DISABLED' | 'LOCKED' | 'WRONG_PASSWORD' | 'SUCCEEDED';

/** The operator's account id on success. */
export async function signInOperator(deps: IdentityDeps, username: string, password: string): Promise<string> {
  const outcome =
    username.length <= 32
      ? await withTransaction(deps.pool, (client) => checkLocked(deps, client, username, password))
      : 'UNKNOWN_OPERATOR';
  identityMetrics.signIns.add(
    1,
    outcome === 'SUCCEEDED' ? { outcome: 'operator' } : { outcome: 'failed', reason: outcome },
  );
  switch (outcome) {
    case 'SUCCEEDED':
      return operatorAccountId(username);
    case 'UNKNOWN_OPERATOR':
      await burnPasswordCheck(password);
      await appendAudit(deps.pool, {
        actor: 'anonymous',
        action: 'operator_sign_in.failed',
        subjectId: 'unknown',
        details: { reason: outcome },
      });
      throw unauthenticated(identityReasons.INVALID_CREDENTIALS, 'username or password is wrong');
    case 'LOCKED':
      throw unauthenticated(identityReasons.ACCOUNT_LOCKED, 'too many failed sign-ins; try again later');
    case 'DISABLED':
    case 'WRONG_PASSWORD':
      throw unauthenticated(identityReasons.INVALID_CREDENTIALS, 'username or password is wrong');
  }
}

async function checkLocked(
  deps: IdentityDeps,
  client: PoolClient,
  username: string,
  password: string,
): Promise<Outcome> {
  const row = await lockOperatorPasswordState(client, username);
  if (row === undefined) return 'UNKNOWN_OPERATOR';
  const actor = operatorAccountId(username);
  const fail = async (reason: Outcome, details: Record<string, number | boolean> = {}): Promise<Outcome> => {
    await appendAudit(client, {
      actor,
      action: 'operator_sign_in.failed',
      subjectId: username,
      details: { reason, ...details },
    });
    return reason;
  };
  if (row.lockedUntil !== null && row.lockedUntil.getTime() > deps.now()) return fail('LOCKED');
  const matches = await verifyPassword(password, row.passwordHash);
  if (matches && row.disabled) return fail('DISABLED');
  if (matches) {
    await clearOperatorSignInFailures(client, username);
    await appendAudit(client, { actor, action: 'operator_sign_in.succeeded', subjectId: username });
    return 'SUCCEEDED';
  }
  const failures = await recordOperatorSignInFailure(client, username, maxFailures, lockMs / 1000);
  return fail('WRONG_PASSWORD', { consecutiveFailures: failures, locked: failures >= maxFailures });
}
