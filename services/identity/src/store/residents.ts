// Residents: their record, and the password state sign-in checks and updates under the row's lock.
import type { Concession } from '@citypass/contracts';
import type { Queryable } from '@citypass/platform/pg';
import type { ResidentListRow } from './resident_pages.ts';

/** A resident as the operators' lists show them, with their active credential. */
export interface ResidentRecord extends ResidentListRow {
  readonly activeCredentialId: string | undefined;
}

export async function insertResident(
  db: Queryable,
  resident: {
    id: string;
    givenName: string;
    familyName: string;
    birthDate: string;
    concession: Concession;
    coveragePlanRef: string;
    createdAt: Date;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO residents (id, given_name, family_name, birth_date, concession_class, coverage_plan_ref, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      resident.id,
      resident.givenName,
      resident.familyName,
      resident.birthDate,
      resident.concession,
      resident.coveragePlanRef,
      resident.createdAt,
    ],
  );
}

export async function findResident(db: Queryable, residentId: string): Promise<ResidentRecord | undefined> {
  const { rows } = await db.query<{
    id: string;
    given_name: string;
    family_name: string;
    birth_date: string;
    concession_class: string;
    coverage_plan_ref: string;
    created_at: Date;
    enrolled: boolean;
    active_credential: string | null;
  }>(
    `SELECT r.id, r.given_name, r.family_name, to_char(r.birth_date, 'YYYY-MM-DD') AS birth_date, r.concession_class,
            r.coverage_plan_ref, r.created_at, r.password_hash IS NOT NULL AS enrolled,
            (SELECT c.id FROM credentials c WHERE c.resident_id = r.id AND c.revoked_at IS NULL) AS active_credential
     FROM residents r WHERE r.id = $1`,
    [residentId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    id: row.id,
    givenName: row.given_name,
    familyName: row.family_name,
    birthDate: row.birth_date,
    concession: row.concession_class,
    coveragePlanRef: row.coverage_plan_ref,
    createdAt: row.created_at,
    enrolled: row.enrolled,
    activeCredentialId: row.active_credential ?? undefined,
  };
}

/** Locks the resident's row for the transaction; what a credential carries of them, or undefined if unknown. */
export async function lockResident(
  db: Queryable,
  residentId: string,
): Promise<{ concession: Concession; coveragePlanRef: string } | undefined> {
  const { rows } = await db.query<{ concession_class: Concession; coverage_plan_ref: string }>(
    'SELECT concession_class, coverage_plan_ref FROM residents WHERE id = $1 FOR UPDATE',
    [residentId],
  );
  const row = rows[0];
  return row === undefined ? undefined : { concession: row.concession_class, coveragePlanRef: row.coverage_plan_ref };
}

/** Locks the resident's row; their password hash (null before enrollment) and lock, or undefined if unknown. */
export async function lockPasswordState(
  db: Queryable,
  residentId: string,
): Promise<{ passwordHash: string | null; lockedUntil: Date | null } | undefined> {
  const { rows } = await db.query<{ password_hash: string | null; locked_until: Date | null }>(
    'SELECT password_hash, locked_until FROM residents WHERE id = $1 FOR UPDATE',
    [residentId],
  );
  const row = rows[0];
  return row === undefined ? undefined : { passwordHash: row.password_hash, lockedUntil: row.locked_until };
}

/** Sets a new password and clears failures and any lock. */
export async function setPassword(db: Queryable, residentId: string, passwordHash: string): Promise<void> {
  await db.query('UPDATE residents SET password_hash = $2, failed_sign_ins = 0, locked_until = NULL WHERE id = $1', [
    residentId,
    passwordHash,
  ]);
}

export async function clearSignInFailures(db: Queryable, residentId: string): Promise<void> {
  await db.query('UPDATE residents SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1', [residentId]);
}

/** Counts one more failure in a row, locking the resident for `lockS` at `maxFailures`; the count after it. */
export async function recordSignInFailure(
  db: Queryable,
  residentId: string,
  maxFailures: number,
  lockS: number,
): Promise<number> {
  const { rows } = await db.query<{ failed_sign_ins: number }>(
    `UPDATE residents SET failed_sign_ins = failed_sign_ins + 1,
       locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN now() + make_interval(secs => $3) ELSE locked_until END
     WHERE id = $1 RETURNING failed_sign_ins`,
    [residentId, maxFailures, lockS],
  );
  return rows[0]?.failed_sign_ins ?? 0;
}

export async function residentExists(db: Queryable, residentId: string): Promise<boolean> {
  const found = await db.query('SELECT 1 FROM residents WHERE id = $1', [residentId]);
  return found.rowCount === 1;
}
