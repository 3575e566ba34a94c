// One-time enrollment codes: 60 random bits as 12 Crockford base32 characters ("XXXX-XXXX-XXXX"); only the
// SHA-256 of the normalised code is stored, and issuing a new code retires the resident's unused ones.
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '@citypass/platform/pg';
import { appendAudit } from '../store/audit.ts';
import { replaceEnrollmentCode } from '../store/enrollment_codes.ts';

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newEnrollmentCode(): string {
  const bytes = randomBytes(12);
  let code = '';
  for (const byte of bytes) code += alphabet.charAt(byte & 31);
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/** Case, dashes and spaces do not matter; O/I/L read as 0/1/1 as Crockford base32 intends. */
export function enrollmentCodeHash(code: string): Buffer {
  const normalised = code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return createHash('sha256').update(normalised).digest();
}

export async function storeEnrollmentCode(
  db: Queryable,
  residentId: string,
  actor: string,
  expiresAt: Date,
): Promise<{ code: string; expiresAt: Date }> {
  const code = newEnrollmentCode();
  await replaceEnrollmentCode(db, residentId, enrollmentCodeHash(code), expiresAt);
  await appendAudit(db, {
    actor,
    action: 'enrollment_code.issued',
    subjectId: residentId,
    details: { expiresAt: expiresAt.toISOString() },
  });
  return { code, expiresAt };
}
