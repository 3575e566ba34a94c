// The append-only audit log (the table refuses UPDATE and DELETE). Details hold identifiers and outcomes only:
// never passwords, codes, tokens or credentials.
import type { Queryable } from '@citypass/platform/pg';

/** Every action the log holds (a closed list: a search for an action prefix none has reads nothing). */
export const auditActions = [
  'resident.created',
  'enrollment_code.issued',
  'enrollment.completed',
  'sign_in.succeeded',
  'sign_in.failed',
  'credential.issued',
  'credential.revoked',
  'service.onboarded',
  'service.suspended',
  'service.resumed',
  'service.secret_rotated',
  'signing_key.rotated',
  'operator.created',
  'operator.scope_set',
  'operator_sign_in.succeeded',
  'operator_sign_in.failed',
] as const;

export type AuditAction = (typeof auditActions)[number];

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

export interface AuditPageFilter {
  readonly actor?: string;
  readonly subjectId?: string;
  readonly subjectPrefix?: string;
  readonly action?: string;
  readonly actionPrefix?: string;
  /** A second action prefix every row must have too (a merchant-scoped operator's `service.`). */
  readonly scopeActionPrefix?: string;
  /** At or after. */
  readonly from?: Date;
  /** Strictly before. */
  readonly before?: Date;
  readonly beforeId?: bigint;
  readonly limit: number;
}

/**
 * The SQL of one page, newest first (exported for the EXPLAIN test): a backward range scan of audit_log_subject
 * for one subject, else of the primary key, with the other filters applied on the way; never a sort.
 */
export function auditPageQuery(filter: AuditPageFilter): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const parameter = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [];
  if (filter.actor !== undefined) where.push(`actor = ${parameter(filter.actor)}`);
  if (filter.subjectId !== undefined) where.push(`subject_id = ${parameter(filter.subjectId)}`);
  if (filter.subjectPrefix !== undefined) where.push(`starts_with(subject_id, ${parameter(filter.subjectPrefix)})`);
  if (filter.action !== undefined) where.push(`action = ${parameter(filter.action)}`);
  if (filter.actionPrefix !== undefined) where.push(`starts_with(action, ${parameter(filter.actionPrefix)})`);
  if (filter.scopeActionPrefix !== undefined) where.push(`starts_with(action, ${parameter(filter.scopeActionPrefix)})`);
  if (filter.from !== undefined) where.push(`occurred_at >= ${parameter(filter.from)}`);
  if (filter.before !== undefined) where.push(`occurred_at < ${parameter(filter.before)}`);
  if (filter.beforeId !== undefined) where.push(`id < ${parameter(filter.beforeId.toString())}`);
  const text = `SELECT id, occurred_at, actor, action, subject_id, details FROM audit_log
     ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
     ORDER BY id DESC LIMIT ${parameter(filter.limit)}`;
  return { text, values };
}

/** Newest first; `beforeId` pages backwards. */
export async function listAudit(db: Queryable, filter: AuditPageFilter): Promise<AuditRow[]> {
  const result = await db.query<{
    id: string;
    occurred_at: Date;
    actor: string;
    action: string;
    subject_id: string;
    details: Record<string, unknown>;
  }>(auditPageQuery(filter));
  return result.rows.map((row) => ({
    id: row.id,
    occurredAt: row.occurred_at,
    actor: row.actor,
    action: row.action,
    subjectId: row.subject_id,
    details: row.details,
  }));
}
