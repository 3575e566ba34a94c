// The deny list's truth (deny_list): residents with an unpaid fare and what they owe.
import { minorUnits } from '@citypass/platform/money';
import type { Queryable } from '@citypass/platform/pg';
import type { DenyListStore } from '../app/transit_store.ts';

export function postgresDenyListStore(db: Queryable): DenyListStore {
  return {
    async deny(residentId, entry) {
      const upserted = await db.query(
        `
        INSERT INTO deny_list AS d (resident_id, debt_minor, currency, reason, risk_decision_id)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (resident_id) DO UPDATE
          SET debt_minor = EXCLUDED.debt_minor, reason = EXCLUDED.reason, risk_decision_id = EXCLUDED.risk_decision_id
          WHERE d.debt_minor IS DISTINCT FROM EXCLUDED.debt_minor`,
        [residentId, entry.debtMinor, entry.currency, entry.reason, entry.riskDecisionId ?? null],
      );
      return upserted.rowCount !== 0;
    },
    async clear(residentId) {
      const { rows } = await db.query<{ debt_minor: string; currency: string }>(
        'DELETE FROM deny_list WHERE resident_id = $1 RETURNING debt_minor, currency',
        [residentId],
      );
      const row = rows[0];
      return row === undefined ? undefined : { debtMinor: minorUnits(BigInt(row.debt_minor)), currency: row.currency };
    },
    async find(residentId) {
      const { rows } = await db.query<{ debt_minor: string; currency: string }>(
        'SELECT debt_minor, currency FROM deny_list WHERE resident_id = $1',
        [residentId],
      );
      const row = rows[0];
      return row === undefined ? undefined : { debtMinor: minorUnits(BigInt(row.debt_minor)), currency: row.currency };
    },
    async page(after, limit) {
      const { rows } = await db.query<{
        resident_id: string;
        debt_minor: string;
        currency: string;
        reason: string;
        risk_decision_id: string | null;
        since_micros: string;
      }>(
        `
        SELECT resident_id, debt_minor, currency, reason, risk_decision_id,
               ((extract(epoch FROM since) * 1000000)::numeric(20, 0))::text AS since_micros
          FROM deny_list
         WHERE $1::bigint IS NULL
            OR (since, resident_id) > (timestamptz 'epoch' + $1::bigint * interval '1 microsecond', $2::uuid)
         ORDER BY since, resident_id
         LIMIT $3`,
        [after?.sinceMicros ?? null, after?.residentId ?? null, limit],
      );
      return rows.map((row) => ({
        residentId: row.resident_id,
        debtMinor: minorUnits(BigInt(row.debt_minor)),
        currency: row.currency,
        reason: row.reason,
        riskDecisionId: row.risk_decision_id ?? undefined,
        sinceMicros: BigInt(row.since_micros),
      }));
    },
    async residents() {
      const { rows } = await db.query<{ resident_id: string }>('SELECT resident_id FROM deny_list');
      return rows.map((row) => row.resident_id);
    },
  };
}
