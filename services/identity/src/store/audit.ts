// The append-only audit log (the table refuses UPDATE and DELETE). Details hold identifiers and outcomes only:
// never passwords, codes, tokens or credentials.
import type { Queryable } from '@citypass/platform/pg';

export type AuditAction =
  | 'resident.created'
  | 'enrollment_code.issued'
  | 'enrollment.completed'
  | 'sign_in.succeeded'
  | 'sign_in.failed'
  | 'credential.issued'
  | 'credential.revoked'
  | 'service.onboarded'
  | 'service.suspended'
  | 'service.resumed'
  | 'service.secret_rotated'
  | 'signing_key.rotated'
  | 'operator.created'
  | 'operator.scope_set'
  | 'operator_sign_in.succeeded'
  | 'operator_sign_in.failed';

export interface AuditEntry {
  readonly actor: string;
  readonly action: AuditAction;
  readonly subjectId: string;
  readonly details?: Record<string, string | number | boolean>;
}

export async function appendAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query('INSERT INTO audit_log (actor, action, subject_id, details) VALUES ($1, $2, $3, $4)', [
    entry.actor,
    entry.action,
    entry.subjectId,
    entry.details ?? {},
  ]);
}

export interface AuditRow {
  readonly id: string;
  readonly occurredAt: Date;
  readonly actor: string;
  readonly action: string;
  readonly subjectId: string;
  readonly details: Record<string, unknown>;
}

/** Newest first; `beforeId` pages backwards. */
export async function listAudit(
  db: Queryable,
  filter: { subjectId?: string; action?: string; actionPrefix?: string; beforeId?: bigint; limit: number },
): Promise<AuditRow[]> {
  const result = await db.query<{
    id: string;
    occurred_at: Date;
    actor: string;
    action: string;
    subject_id: string;
    details: Record<string, unknown>;
  }>(
    `SELECT id, occurred_at, actor, action, subject_id, details FROM audit_log
     WHERE ($1::text IS NULL OR subject_id = $1) AND ($2::text IS NULL OR action = $2) AND ($3::bigint IS NULL OR id < $3)
       AND ($5::text IS NULL OR starts_with(action, $5))
     ORDER BY id DESC LIMIT $4`,
    [
      filter.subjectId ?? null,
      filter.action ?? null,
      filter.beforeId?.toString() ?? null,
      filter.limit,
      filter.actionPrefix ?? null,
    ],
  );
  return result.rows.map((row) => ({
    id: row.id,
    occurredAt: row.occurred_at,
    actor: row.actor,
    action: row.action,
    subjectId: row.subject_id,
    details: row.details,
  }));
}
