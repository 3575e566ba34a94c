// The reconciliation's checks of the ledger's books, from the rows themselves: per currency every balance sums to
// zero; every account's balance is what its transfers say; every account's reserved amount is what its pending
// holds say; every hold's captured and refunded amounts are what its transfers say; every event has been relayed.
import type { Pool, Queryable } from '@citypass/platform/pg';
import type { ReconciliationCheck, ReconciliationChecks } from '../app/reconciliation_report.ts';

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
    name: "each hold transfer moves money between that hold's accounts, in the right direction",
    sql: `SELECT t.id || ' (' || t.kind || ') does not match hold ' || h.id AS problem
          FROM transfers t JOIN holds h ON h.id = t.hold_id
          WHERE (t.kind = 'capture' AND (t.debit_account_id, t.credit_account_id) <> (h.resident_account_id, h.merchant_account_id))
             OR (t.kind = 'refund' AND (t.debit_account_id, t.credit_account_id) <> (h.merchant_account_id, h.resident_account_id))
             OR t.currency <> h.currency`,
  },
  {
    name: 'accounts are of the kind their role needs',
    sql: `SELECT 'hold ' || h.id || ' uses a ' || r.kind || ' / ' || m.kind || ' account pair' AS problem
          FROM holds h JOIN accounts r ON r.id = h.resident_account_id JOIN accounts m ON m.id = h.merchant_account_id
          WHERE r.kind <> 'resident' OR m.kind <> 'merchant' OR m.owner <> h.service OR r.owner <> h.resident_id::text`,
  },
  {
    name: 'at most one capture per hold',
    sql: `SELECT hold_id || ' has ' || count(*) || ' captures' AS problem FROM transfers
          WHERE kind = 'capture' GROUP BY hold_id HAVING count(*) > 1`,
  },
  {
    name: 'no pending hold long past its expiry',
    sql: `SELECT 'hold ' || id || ' still pending, expired at ' || expires_at AS problem
          FROM holds WHERE status = 'pending' AND expires_at < now() - interval '5 minutes'`,
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

/** The checks, run on `db` as it is (a transaction's client sees that transaction's rows). */
export function ledgerBooks(db: Queryable): ReconciliationChecks {
  return {
    async run() {
      const results: ReconciliationCheck[] = [];
      for (const check of checks) {
        const rows = (await db.query<{ problem: string }>(check.sql)).rows;
        results.push({ name: check.name, breaks: rows.length, examples: rows.slice(0, 5).map((row) => row.problem) });
      }
      return results;
    },
  };
}

/** Runs `work` on one read-only snapshot, so concurrent traffic cannot make the books look unbalanced. */
export async function inSnapshot<T>(pool: Pool, work: (books: ReconciliationChecks) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const result = await work(ledgerBooks(client));
    await client.query('COMMIT');
    return result;
  } finally {
    client.release();
  }
}
