// Pages of one resident's credentials for operators, newest first: keyset paged by the status list index (given in
// issue order, finer than issued_at's whole seconds) within the resident, one range scan of credentials_by_resident
// (migration 7) per page.
import type { Queryable } from '@citypass/platform/pg';

export interface CredentialListRow {
  readonly id: string;
  readonly residentId: string;
  readonly deviceThumbprint: string;
  readonly kid: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  /** 'operator', 'resident' or 'replaced' (a newer phone's credential); null while not revoked. */
  readonly revokedBy: string | null;
  readonly revocationReason: string | null;
}

export interface CredentialPageFilter {
  readonly residentId: string;
  /** The page starts after this credential of the resident (the last of the previous page). */
  readonly afterId: string | undefined;
  readonly limit: number;
}

/** The page's SELECT, exposed so a test can EXPLAIN it. */
export function credentialPageQuery(filter: CredentialPageFilter): { text: string; values: unknown[] } {
  const after =
    filter.afterId === undefined
      ? ''
      : `AND c.status_index < (SELECT a.status_index FROM credentials a WHERE a.id = $3::uuid AND a.resident_id = $1::uuid)`;
  return {
    text: `SELECT c.id, c.resident_id, c.device_thumbprint, c.kid, c.issued_at, c.expires_at, c.revoked_at,
       c.revoked_by, c.revocation_reason
     FROM credentials c WHERE c.resident_id = $1::uuid ${after}
     ORDER BY c.status_index DESC LIMIT $2`,
    values:
      filter.afterId === undefined
        ? [filter.residentId, filter.limit]
        : [filter.residentId, filter.limit, filter.afterId],
  };
}

export async function listCredentialPage(db: Queryable, filter: CredentialPageFilter): Promise<CredentialListRow[]> {
  const { rows } = await db.query<{
    id: string;
    resident_id: string;
    device_thumbprint: string;
    kid: string;
    issued_at: Date;
    expires_at: Date;
    revoked_at: Date | null;
    revoked_by: string | null;
    revocation_reason: string | null;
  }>(credentialPageQuery(filter));
  return rows.map((row) => ({
    id: row.id,
    residentId: row.resident_id,
    deviceThumbprint: row.device_thumbprint,
    kid: row.kid,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    revocationReason: row.revocation_reason,
  }));
}
