// What moved on an account: a resident's statement lines and a service's daily settlement totals. A split hold's
// payer leg is its own transfers (payer to payee): the resident's statement shows only the resident's leg, and the
// payee's totals count both legs paid to it (the service that made the hold is not paid by it).
import type { StatementLine } from '@citypass/proto/wallet/v1/wallet';
import type { Queryable } from '@citypass/platform/pg';
import type { StatementReads } from '../app/store.ts';

interface LineRow {
  readonly id: string;
  readonly kind: string;
  readonly created_at: Date;
  readonly amount_minor: string;
  readonly debit: boolean;
  readonly counterparty: string;
  readonly hold_id: string | null;
  readonly balance_after: string;
}

export function statementReads(db: Queryable): StatementReads {
  return {
    async lines(residentId, currency, before, limit) {
      const result = await db.query<LineRow>(
        `SELECT t.id, t.kind, t.created_at, t.amount_minor, t.debit_account_id = a.id AS debit,
                coalesce(h.payee, h.service, '') AS counterparty, t.hold_id,
                CASE WHEN t.debit_account_id = a.id THEN t.debit_balance_after_minor ELSE t.credit_balance_after_minor END AS balance_after
         FROM accounts a
         JOIN transfers t ON t.debit_account_id = a.id OR t.credit_account_id = a.id
         LEFT JOIN holds h ON h.id = t.hold_id
         WHERE a.kind = 'resident' AND a.owner = $1 AND a.currency = $2
           AND ($3::timestamptz IS NULL OR (t.created_at, t.id) < ($3, $4::uuid))
         ORDER BY t.created_at DESC, t.id DESC LIMIT $5`,
        [residentId, currency, before?.at ?? null, before?.id ?? null, limit],
      );
      return result.rows.map(
        (row): StatementLine => ({
          transferId: row.id,
          postedAt: row.created_at,
          kind: row.kind,
          amountMinor: row.debit ? -BigInt(row.amount_minor) : BigInt(row.amount_minor),
          counterparty: row.counterparty,
          holdId: row.hold_id ?? '',
          balanceAfterMinor: BigInt(row.balance_after),
        }),
      );
    },
    async settlementTotals(service, date, currency) {
      const result = await db.query<{ kind: string; total: string; count: string }>(
        `SELECT t.kind, coalesce(sum(t.amount_minor), 0) AS total, count(*) AS count
         FROM accounts a JOIN transfers t ON t.credit_account_id = a.id OR t.debit_account_id = a.id
         WHERE a.kind = 'merchant' AND a.owner = $1 AND a.currency = $2 AND t.kind IN ('capture', 'refund')
           AND t.created_at >= $3::date AND t.created_at < $3::date + 1
         GROUP BY t.kind`,
        [service, currency, date],
      );
      const of = (kind: string): { totalMinor: bigint; count: number } => {
        const row = result.rows.find((r) => r.kind === kind);
        return { totalMinor: BigInt(row?.total ?? 0), count: Number(row?.count ?? 0) };
      };
      return { captured: of('capture'), refunded: of('refund') };
    },
  };
}
