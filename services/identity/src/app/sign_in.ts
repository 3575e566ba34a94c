// Resident sign-in, called by the login interaction: the first time with the enrollment code and a new
// password, later with the resident id and password. Failures are audited and lock the account after
// `maxFailures` in a row; the caller only ever learns "invalid credentials" or "locked".
import { unauthenticated } from '@citypass/platform/errors';
import { withTransaction, type PoolClient } from '@citypass/platform/pg';
import { appendAudit } from '../store/audit.ts';
import { consumeEnrollmentCode, isEnrollmentCodeUsable } from '../store/enrollment_codes.ts';
import { clearSignInFailures, lockPasswordState, recordSignInFailure, setPassword } from '../store/residents.ts';
import { identityMetrics } from '../metrics.ts';
import type { IdentityDeps } from './deps.ts';
import { enrollmentCodeHash } from './enrollment_code.ts';
import { burnPasswordCheck, checkPasswordPolicy, hashPassword, verifyPassword } from './password.ts';
import { isUuid } from '@citypass/platform/ids';
import { identityReasons } from '@citypass/contracts';

const maxFailures = 5;
const lockMs = 15 * 60 * 1000;

export async function completeEnrollment(deps: IdentityDeps, code: string, newPassword: string): Promise<string> {
  checkPasswordPolicy(newPassword);
  const codeHash = enrollmentCodeHash(code);
  // Cheap check first: a wrong code must not cost an argon2 hash. The UPDATE below still decides atomically.
  const residentId = (await isEnrollmentCodeUsable(deps.pool, codeHash))
    ? await enroll(deps, codeHash, await hashPassword(newPassword))
    : undefined;
  if (residentId === undefined) {
    await appendAudit(deps.pool, {
      actor: 'anonymous',
      action: 'sign_in.failed',
      subjectId: 'unknown',
      details: { reason: identityReasons.ENROLLMENT_CODE_INVALID },
    });
    identityMetrics.signIns.add(1, { outcome: 'failed', reason: identityReasons.ENROLLMENT_CODE_INVALID });
    throw unauthenticated(identityReasons.ENROLLMENT_CODE_INVALID, 'the enrollment code is unknown, used or expired');
  }
  identityMetrics.signIns.add(1, { outcome: 'enrolled' });
  return residentId;
}

async function enroll(deps: IdentityDeps, codeHash: Buffer, passwordHash: string): Promise<string | undefined> {
  return withTransaction(deps.pool, async (client) => {
    const id = await consumeEnrollmentCode(client, codeHash);
    if (id === undefined) return undefined;
    await setPassword(client, id, passwordHash);
    await appendAudit(client, { actor: `resident:${id}`, action: 'enrollment.completed', subjectId: id });
    return id;
  });
}

type Outcome = 'UNKNOWN_RESIDENT' | 'LOCKED' | 'WRONG_PASSWORD' | 'SUCCEEDED';

/**
 * Checks of one resident's password run one at a time: the resident row is locked (FOR UPDATE) while the lock is
 * checked, the password verified and the counters updated, so concurrent guesses cannot all pass an unlocked check.
 */
export async function signIn(deps: IdentityDeps, residentId: string, password: string): Promise<string> {
  const outcome = isUuid(residentId)
    ? await withTransaction(deps.pool, (client) => checkPasswordLocked(deps, client, residentId, password))
    : 'UNKNOWN_RESIDENT';
  switch (outcome) {
    case 'SUCCEEDED':
      identityMetrics.signIns.add(1, { outcome: 'succeeded' });
      return residentId;
    case 'UNKNOWN_RESIDENT':
      await burnPasswordCheck(password);
      await appendAudit(deps.pool, {
        actor: 'anonymous',
        action: 'sign_in.failed',
        subjectId: 'unknown',
        details: { reason: 'UNKNOWN_RESIDENT' },
      });
      identityMetrics.signIns.add(1, { outcome: 'failed', reason: outcome });
      throw unauthenticated(identityReasons.INVALID_CREDENTIALS, 'resident id or password is wrong');
    case 'LOCKED':
      identityMetrics.signIns.add(1, { outcome: 'failed', reason: outcome });
      throw unauthenticated(identityReasons.ACCOUNT_LOCKED, 'too many failed sign-ins; try again later');
    case 'WRONG_PASSWORD':
      identityMetrics.signIns.add(1, { outcome: 'failed', reason: outcome });
      throw unauthenticated(identityReasons.INVALID_CREDENTIALS, 'resident id or password is wrong');
  }
}

async function checkPasswordLocked(
  deps: IdentityDeps,
  client: PoolClient,
  residentId: string,
  password: string,
): Promise<Outcome> {
  const row = await lockPasswordState(client, residentId);
  if (row?.passwordHash == null) return 'UNKNOWN_RESIDENT';
  const actor = `resident:${residentId}`;
  if (row.lockedUntil !== null && row.lockedUntil.getTime() > deps.now()) {
    await appendAudit(client, {
      actor,
      action: 'sign_in.failed',
      subjectId: residentId,
      details: { reason: 'LOCKED' },
    });
    return 'LOCKED';
  }
  if (await verifyPassword(password, row.passwordHash)) {
    await clearSignInFailures(client, residentId);
    await appendAudit(client, { actor, action: 'sign_in.succeeded', subjectId: residentId });
    return 'SUCCEEDED';
  }
  const failures = await recordSignInFailure(client, residentId, maxFailures, lockMs / 1000);
  await appendAudit(client, {
    actor,
    action: 'sign_in.failed',
    subjectId: residentId,
    details: { reason: 'WRONG_PASSWORD', consecutiveFailures: failures, locked: failures >= maxFailures },
  });
  return 'WRONG_PASSWORD';
}
