// Revocation by an operator or by the resident. Stored, audited and published (outbox) in one transaction;
// the status KV bucket that verifiers watch is filled from the published event (bus/status_mirror.ts).
// Revoking a revoked credential is not an error: it returns the status as it stands.
import type { CredentialStatus } from '@citypass/proto/identity/v1/identity';
import { invalidArgument, notFound } from '@citypass/platform/errors';
import { withTransaction, type Queryable } from '@citypass/platform/pg';
import { checkText } from '@citypass/platform/text';
import { credentialRevoked } from '../bus/identity_events.ts';
import { appendAudit } from '../store/audit.ts';
import { findCredential, revokeCredentialRow, type CredentialRecord } from '../store/credentials.ts';
import { identityMetrics } from '../metrics.ts';
import type { IdentityDeps } from './deps.ts';
import { isUuid } from '@citypass/platform/ids';
import { identityReasons } from '@citypass/contracts';

export interface Revoker {
  readonly by: 'operator' | 'resident';
  readonly actor: string;
  /** A resident may only revoke their own credential. */
  readonly residentId?: string;
}

export async function revokeCredential(
  deps: IdentityDeps,
  credentialId: string,
  reason: string,
  revoker: Revoker,
): Promise<CredentialStatus> {
  checkCredentialId(credentialId);
  if (reason.length > 200)
    throw invalidArgument(identityReasons.REASON_TOO_LONG, 'reason must be at most 200 characters');
  checkText(reason, 'reason', 200);
  const revokedAt = new Date(deps.now());
  return withTransaction(deps.pool, async (client) => {
    const row = await revokeCredentialRow(client, {
      credentialId,
      revokedAt,
      by: revoker.by,
      reason,
      ofResident: revoker.residentId,
    });
    if (row !== undefined) {
      await credentialRevoked(client, {
        credentialId,
        residentId: row.residentId,
        revokedAt,
        revokedBy: revoker.by,
        expiresAt: row.expiresAt,
      });
      await appendAudit(client, {
        actor: revoker.actor,
        action: 'credential.revoked',
        subjectId: credentialId,
        // The reason is the operator's or the resident's own words, already kept on the credential: the audit
        // log answers "why" without a second lookup.
        details: { by: revoker.by, residentId: row.residentId, reason },
      });
      identityMetrics.credentialsRevoked.add(1, { by: revoker.by });
    }
    const status = await readCredentialStatus(client, credentialId, deps.now());
    if (status === undefined || (revoker.residentId !== undefined && status.residentId !== revoker.residentId)) {
      throw notFound(identityReasons.CREDENTIAL_NOT_FOUND, 'no such credential');
    }
    return status;
  });
}

export function checkCredentialId(credentialId: string): string {
  if (!isUuid(credentialId))
    throw invalidArgument(identityReasons.CREDENTIAL_ID_INVALID, 'credential_id must be a UUID');
  return credentialId;
}

export async function readCredentialStatus(
  db: Queryable,
  credentialId: string,
  nowMs: number,
): Promise<CredentialStatus | undefined> {
  const row = await findCredential(db, credentialId);
  return row === undefined ? undefined : credentialStatusOf(row, nowMs);
}

/** A credential's status at `nowMs`: revoked, else expired, else active. */
export function credentialStatusOf(row: CredentialRecord, nowMs: number): CredentialStatus {
  const status = row.revokedAt !== null ? 'revoked' : row.expiresAt.getTime() <= nowMs ? 'expired' : 'active';
  return {
    credentialId: row.id,
    residentId: row.residentId,
    status,
    issuedAt: row.issuedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt ?? undefined,
    revocationReason: row.revocationReason ?? '',
  };
}
