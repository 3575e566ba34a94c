// The ledger's books, checked from the rows themselves: per currency every balance sums to zero; every
// account's balance is what its transfers say; every account's reserved amount is what its pending holds say;
// every hold's captured and refunded amounts are what its transfers say; every event has been relayed.
import type { Queryable } from '@citypass/platform/pg';

export interface ReconciliationReport {
  readonly ok: boolean;
  readonly checks: readonly { readonly name: string; readonly breaks: number; readonly examples: readonly string[] }[];
}

const checks: readonly { name: string; sql: string }[] = [
  {
    name: 'balances sum to zero per currency',
    sql: `SELECT currency || ' sums to ' || sum(balance_minor) AS problem FROM accounts GROUP BY currency HAVING sum(balance_minor) <> 0`,
  },
  {
    name: 'each balance equals its transfers',
    sql: `SELECT a.id || ' has ' || a.balance_minor || ', transfers say ' || coalesce(c.total, 0) - coalesce(d.total, 0) AS problem
          FROM accounts a
          LEFT JOIN (SELECT credit_account_id AS id, sum(amount_minor) AS total FROM transfers GROUP BY 1) c ON c.id = a.id
          LEFT JOIN (SELECT debit_account_id AS id, sum(amount_minor) AS total FROM transfers GROUP BY 1) d ON d.id = a.id
          WHERE a.balance_minor <> coalesce(c.total, 0) - coalesce(d.total, 0)`,
  },
  {
    name: 'each reserved amount equals its pending holds',
    sql: `SELECT a.id || ' holds ' || a.held_minor || ', pending holds say ' || coalesce(p.total, 0) AS problem
          FROM accounts a
          LEFT JOIN (SELECT resident_account_id AS id, sum(amount_minor) AS total FROM holds WHERE status = 'pending' GROUP BY 1) p ON p.id = a.id
          WHERE a.held_minor <> coalesce(p.total, 0)`,
  },
  {
    name: 'each hold matches its capture and refund transfers',
    sql: `SELECT h.id || ' captured ' || h.captured_minor || '/' || coalesce(t.captured, 0) || ' refunded ' || h.refunded_minor || '/' || coalesce(t.refunded, 0) AS problem
          FROM holds h
          LEFT JOIN (SELECT hold_id, sum(amount_minor) FILTER (WHERE kind = 'capture') AS captured,
                            sum(amount_minor) FILTER (WHERE kind = 'refund') AS refunded
                     FROM transfers WHERE hold_id IS NOT NULL GROUP BY hold_id) t ON t.hold_id = h.id
          WHERE h.captured_minor <> coalesce(t.captured, 0) OR h.refunded_minor <> coalesce(t.refunded, 0)`,
  },
  {
    name: 'no resident below zero',
    sql: `SELECT id || ' available ' || (balance_minor - held_minor) AS problem FROM accounts WHERE kind = 'resident' AND balance_minor - held_minor < 0`,
  },
  {
    name: 'every event relayed (older than a minute)',
    sql: `SELECT 'event ' || id || ' (' || subject || ') unpublished since ' || created_at AS problem
          FROM outbox WHERE published_at IS NULL AND created_at < now() - interval '1 minute'`,
  },
];

export async function reconcile(db: Queryable): Promise<ReconciliationReport> {
  const results = [];
  for (const check of checks) {
    const rows = (await db.query<{ problem: string }>(check.sql)).rows;
    results.push({ name: check.name, breaks: rows.length, examples: rows.slice(0, 5).map((row) => row.problem) });
  }
  return { ok: results.every((result) => result.breaks === 0), checks: results };
}
