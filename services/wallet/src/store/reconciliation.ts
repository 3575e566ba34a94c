// The reconciliation's checks of the ledger's books, from the rows themselves: per currency every balance sums to
// zero (payers' accounts included); every account's balance is what its transfers say; every account's reserved
// amount is what its pending holds' legs say (a resident's legs and a payer's); every hold's captured and refunded
// amounts, per leg, are what its transfers say; every event has been relayed.
import type { Pool, Queryable } from '@citypass/platform/pg';
import type {
  ReconciliationCheck,
  ReconciliationChecks,
  ReconciliationRun,
  ReconciliationStore,
} from '../app/reconciliation_report.ts';

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
          LEFT JOIN (SELECT leg.id, sum(leg.amount) AS total
                     FROM holds h, LATERAL (VALUES (h.resident_account_id, h.amount_minor),
                                                   (h.payer_account_id, h.payer_amount_minor)) AS leg(id, amount)
                     WHERE h.status = 'pending' AND leg.id IS NOT NULL GROUP BY leg.id) p ON p.id = a.id
          WHERE a.held_minor <> coalesce(p.total, 0)`,
  },
  {
    // A transfer's leg is the account on the hold's side: debited by a capture, credited by a refund.
    name: 'each hold matches its capture and refund transfers, leg by leg',
    sql: `SELECT h.id || ' captured ' || h.captured_minor || '/' || coalesce(t.captured, 0) || ' refunded ' || h.refunded_minor || '/' || coalesce(t.refunded, 0)
                 || ' payer captured ' || h.payer_captured_minor || '/' || coalesce(t.payer_captured, 0)
                 || ' payer refunded ' || h.payer_refunded_minor || '/' || coalesce(t.payer_refunded, 0) AS problem
          FROM holds h
          LEFT JOIN (SELECT t.hold_id,
                            sum(t.amount_minor) FILTER (WHERE t.kind = 'capture' AND t.debit_account_id = h.resident_account_id) AS captured,
                            sum(t.amount_minor) FILTER (WHERE t.kind = 'refund' AND t.credit_account_id = h.resident_account_id) AS refunded,
                            sum(t.amount_minor) FILTER (WHERE t.kind = 'capture' AND t.debit_account_id = h.payer_account_id) AS payer_captured,
                            sum(t.amount_minor) FILTER (WHERE t.kind = 'refund' AND t.credit_account_id = h.payer_account_id) AS payer_refunded
                     FROM transfers t JOIN holds h ON h.id = t.hold_id GROUP BY t.hold_id) t ON t.hold_id = h.id
          WHERE h.captured_minor <> coalesce(t.captured, 0) OR h.refunded_minor <> coalesce(t.refunded, 0)
             OR h.payer_captured_minor <> coalesce(t.payer_captured, 0) OR h.payer_refunded_minor <> coalesce(t.payer_refunded, 0)`,
  },
  {
    name: "each hold transfer moves money between that hold's accounts, in the right direction",
    sql: `SELECT t.id || ' (' || t.kind || ') does not match hold ' || h.id AS problem
          FROM transfers t JOIN holds h ON h.id = t.hold_id
          WHERE (t.kind = 'capture' AND (t.credit_account_id <> h.merchant_account_id
                                         OR t.debit_account_id IS DISTINCT FROM h.resident_account_id
                                            AND t.debit_account_id IS DISTINCT FROM h.payer_account_id))
             OR (t.kind = 'refund' AND (t.debit_account_id <> h.merchant_account_id
                                        OR t.credit_account_id IS DISTINCT FROM h.resident_account_id
                                           AND t.credit_account_id IS DISTINCT FROM h.payer_account_id))
             OR t.currency <> h.currency`,
  },
  {
    name: 'accounts are of the kind their role needs',
    sql: `SELECT 'hold ' || h.id || ' uses a ' || r.kind || ' / ' || m.kind || coalesce(' / ' || p.kind, '') || ' account set' AS problem
          FROM holds h JOIN accounts r ON r.id = h.resident_account_id JOIN accounts m ON m.id = h.merchant_account_id
          LEFT JOIN accounts p ON p.id = h.payer_account_id
          WHERE r.kind <> 'resident' OR m.kind <> 'merchant' OR m.owner <> coalesce(h.payee, h.service)
             OR r.owner <> h.resident_id::text
             OR (h.payer_account_id IS NOT NULL AND (p.kind <> 'payer' OR p.owner IS DISTINCT FROM h.payer))`,
  },
  {
    name: 'at most one capture per leg of a hold',
    sql: `SELECT hold_id || ' has ' || count(*) || ' captures from one account' AS problem FROM transfers
          WHERE kind = 'capture' GROUP BY hold_id, debit_account_id HAVING count(*) > 1`,
  },
  {
    name: 'no pending hold long past its expiry',
    sql: `SELECT 'hold ' || id || ' still pending, expired at ' || expires_at AS problem
          FROM holds WHERE status = 'pending' AND expires_at < now() - interval '5 minutes'`,
  },
  {
    name: 'no resident or payer below zero',
    sql: `SELECT id || ' available ' || (balance_minor - held_minor) AS problem FROM accounts
          WHERE kind IN ('resident', 'payer') AND balance_minor - held_minor < 0`,
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

interface RunRow {
  id: string;
  checked_at: Date;
  duration_ms: number;
  in_order: boolean;
  checks: ReconciliationCheck[];
  ran_by: string;
}

export function reconciliationStore(pool: Pool): ReconciliationStore {
  return {
    books: (work) => inSnapshot(pool, work),
    async record(run: ReconciliationRun) {
      await pool.query(
        `INSERT INTO reconciliation_runs (id, checked_at, duration_ms, in_order, checks, ran_by)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [run.id, run.checkedAt, run.durationMs, run.ok, JSON.stringify(run.checks), run.ranBy],
      );
    },
    async list(before, limit) {
      const result = await pool.query<RunRow>(
        `SELECT id, checked_at, duration_ms, in_order, checks, ran_by FROM reconciliation_runs
         WHERE $1::timestamptz IS NULL OR (checked_at, id) < ($1, $2::uuid)
         ORDER BY checked_at DESC, id DESC LIMIT $3`,
        [before?.at ?? null, before?.id ?? null, limit],
      );
      return result.rows.map((row) => ({
        id: row.id,
        checkedAt: row.checked_at,
        durationMs: row.duration_ms,
        ok: row.in_order,
        checks: row.checks,
        ranBy: row.ran_by,
      }));
    },
  };
}
