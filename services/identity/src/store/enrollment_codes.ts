// One-time enrollment codes, stored as the SHA-256 of the normalised code only.
import type { Queryable } from '@citypass/platform/pg';

/** Retires the resident's unused codes and stores a new one. */
export async function replaceEnrollmentCode(
  db: Queryable,
  residentId: string,
  codeHash: Buffer,
  expiresAt: Date,
): Promise<void> {
  await db.query('UPDATE enrollment_codes SET used_at = now() WHERE resident_id = $1 AND used_at IS NULL', [
    residentId,
  ]);
  await db.query('INSERT INTO enrollment_codes (code_hash, resident_id, expires_at) VALUES ($1, $2, $3)', [
    codeHash,
    residentId,
    expiresAt,
  ]);
}

/** Whether the code is unused and unexpired (a cheap look before hashing a password; consume decides). */
export async function isEnrollmentCodeUsable(db: Queryable, codeHash: Buffer): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM enrollment_codes WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now()',
    [codeHash],
  );
  return rowCount === 1;
}

/** Uses the code up, atomically; its resident, or undefined if it was unknown, used or expired. */
export async function consumeEnrollmentCode(db: Queryable, codeHash: Buffer): Promise<string | undefined> {
  const { rows } = await db.query<{ resident_id: string }>(
    `UPDATE enrollment_codes SET used_at = now()
     WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING resident_id`,
    [codeHash],
  );
  return rows[0]?.resident_id;
}
