// Transit's audit log of operator actions (operator_audit, append-only): written in the action's transaction, read
// newest first a keyset page at a time.
import type { Queryable } from '@citypass/platform/pg';
import type { OperatorAuditFilter, OperatorAuditStore } from '../app/transit_store.ts';

interface AuditRowShape {
  id: string;
  occurred_at: Date;
  actor: string;
  action: string;
  target: string;
  merchant: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  reason: string;
}

/**
 * The SQL of one page (exported for the EXPLAIN test): a backward range scan of the primary key, or of
 * operator_audit_merchant / operator_audit_actor when the page is narrowed to one merchant or actor; no sort.
 */
export function auditPageQuery(filter: OperatorAuditFilter): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const parameter = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [];
  if (filter.merchant !== undefined) where.push(`merchant = ${parameter(filter.merchant)}`);
  if (filter.actor !== undefined) where.push(`actor = ${parameter(filter.actor)}`);
  if (filter.actionPrefix !== undefined) where.push(`starts_with(action, ${parameter(filter.actionPrefix)})`);
  if (filter.targetPrefix !== undefined) where.push(`starts_with(target, ${parameter(filter.targetPrefix)})`);
  if (filter.from !== undefined) where.push(`occurred_at >= ${parameter(filter.from)}`);
  if (filter.before !== undefined) where.push(`occurred_at < ${parameter(filter.before)}`);
  if (filter.beforeId !== undefined) where.push(`id < ${parameter(filter.beforeId.toString())}`);
  // Ordered by the column the narrowing index leads with too, so the planner walks that index without a sort.
  const order = filter.merchant !== undefined ? 'merchant DESC, ' : filter.actor !== undefined ? 'actor DESC, ' : '';
  const text = `SELECT id, occurred_at, actor, action, target, merchant, before, after, reason FROM operator_audit
     ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
     ORDER BY ${order}id DESC LIMIT ${parameter(filter.limit)}`;
  return { text, values };
}

export function postgresOperatorAuditStore(db: Queryable): OperatorAuditStore {
  return {
    async append(record) {
      await db.query(
        `INSERT INTO operator_audit (actor, action, target, merchant, before, after, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [record.actor, record.action, record.target, record.merchant, record.before, record.after, record.reason],
      );
    },
    async page(filter) {
      const { rows } = await db.query<AuditRowShape>(auditPageQuery(filter));
      return rows.map((row) => ({
        id: BigInt(row.id),
        occurredAt: row.occurred_at,
        actor: row.actor,
        action: row.action,
        target: row.target,
        merchant: row.merchant,
        before: row.before,
        after: row.after,
        reason: row.reason,
      }));
    },
  };
}
