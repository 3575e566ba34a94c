// Mobile credentials as identity records them: issue, revocation, status.
import type { Queryable } from '@citypass/platform/pg';

export interface CredentialRecord {
  readonly id: string;
  readonly residentId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  readonly revocationReason: string | null;
}

/** Inserts a credential; its index in the status list. */
export async function insertCredential(
  db: Queryable,
  credential: {
    id: string;
    residentId: string;
    deviceThumbprint: string;
    kid: string;
    issuedAt: Date;
    expiresAt: Date;
  },
): Promise<number> {
  const { rows } = await db.query<{ status_index: string }>(
    `INSERT INTO credentials (id, resident_id, device_thumbprint, kid, issued_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING status_index`,
    [
      credential.id,
      credential.residentId,
      credential.deviceThumbprint,
      credential.kid,
      credential.issuedAt,
      credential.expiresAt,
    ],
  );
  return Number(rows[0]?.status_index ?? 0);
}

/** Revokes the resident's active credentials as replaced by a new device; those revoked. */
export async function revokeReplaced(
  db: Queryable,
  residentId: string,
  revokedAt: Date,
): Promise<{ id: string; expiresAt: Date }[]> {
  const { rows } = await db.query<{ id: string; expires_at: Date }>(
    `UPDATE credentials SET revoked_at = $2, revoked_by = 'replaced', revocation_reason = 'new device'
     WHERE resident_id = $1 AND revoked_at IS NULL RETURNING id, expires_at`,
    [residentId, revokedAt],
  );
  return rows.map((row) => ({ id: row.id, expiresAt: row.expires_at }));
}

/**
 * Revokes one credential if still active (and, given `ofResident`, only that resident's); its resident and expiry,
 * or undefined when nothing changed.
 */
export async function revokeCredentialRow(
  db: Queryable,
  revocation: { credentialId: string; revokedAt: Date; by: string; reason: string; ofResident: string | undefined },
): Promise<{ residentId: string; expiresAt: Date } | undefined> {
  const { rows } = await db.query<{ resident_id: string; expires_at: Date }>(
    `UPDATE credentials SET revoked_at = $2, revoked_by = $3, revocation_reason = $4
     WHERE id = $1 AND revoked_at IS NULL AND ($5::uuid IS NULL OR resident_id = $5) RETURNING resident_id, expires_at`,
    [revocation.credentialId, revocation.revokedAt, revocation.by, revocation.reason, revocation.ofResident ?? null],
  );
  const row = rows[0];
  return row === undefined ? undefined : { residentId: row.resident_id, expiresAt: row.expires_at };
}

export async function findCredential(db: Queryable, credentialId: string): Promise<CredentialRecord | undefined> {
  const { rows } = await db.query<{
    id: string;
    resident_id: string;
    issued_at: Date;
    expires_at: Date;
    revoked_at: Date | null;
    revocation_reason: string | null;
  }>('SELECT id, resident_id, issued_at, expires_at, revoked_at, revocation_reason FROM credentials WHERE id = $1', [
    credentialId,
  ]);
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    id: row.id,
    residentId: row.resident_id,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revocationReason: row.revocation_reason,
  };
}

/** Each unexpired (or expired less than a day ago) credential's status list index and whether it is revoked. */
export async function statusListEntries(db: Queryable): Promise<{ index: number; revoked: boolean }[]> {
  const result = await db.query<{ status_index: string; revoked: boolean }>(
    `SELECT status_index, revoked_at IS NOT NULL AS revoked FROM credentials WHERE expires_at > now() - interval '1 day'
     UNION ALL SELECT coalesce(max(status_index), 0), false FROM credentials`,
  );
  return result.rows.map((row) => ({ index: Number(row.status_index), revoked: row.revoked }));
}

export interface RevokedCredential {
  readonly id: string;
  readonly revokedAt: Date;
  readonly revokedBy: string;
  readonly expiresAt: Date;
}

/** Revoked, unexpired credentials with ids after `after`, in id order: one page of at most `limit`. */
export async function revokedCredentialsAfter(
  db: Queryable,
  after: string,
  limit: number,
): Promise<RevokedCredential[]> {
  const { rows } = await db.query<{ id: string; revoked_at: Date; revoked_by: string; expires_at: Date }>(
    `SELECT id, revoked_at, revoked_by, expires_at FROM credentials
     WHERE revoked_at IS NOT NULL AND expires_at > now() AND id > $1 ORDER BY id LIMIT $2`,
    [after, limit],
  );
  return rows.map((row) => ({
    id: row.id,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    expiresAt: row.expires_at,
  }));
}
