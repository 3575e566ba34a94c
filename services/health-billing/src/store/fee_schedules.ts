// Each clinic's allowed amount per code, per currency.
import type { Queryable } from '@citypass/platform/pg';
import type { FeeScheduleStore } from '../app/store.ts';

export function postgresFeeScheduleStore(db: Queryable): FeeScheduleStore {
  return {
    async replace(clinic, currency, entries) {
      await db.query('DELETE FROM fee_schedules WHERE clinic = $1 AND currency = $2', [clinic, currency]);
      await db.query(
        `INSERT INTO fee_schedules (clinic, currency, code, allowed_minor)
         SELECT $1, $2, code, allowed FROM unnest($3::text[], $4::bigint[]) AS e(code, allowed)`,
        [clinic, currency, [...entries.keys()], [...entries.values()].map(String)],
      );
    },
    async of(clinic, currency) {
      const result = await db.query<{ code: string; allowed_minor: string }>(
        'SELECT code, allowed_minor FROM fee_schedules WHERE clinic = $1 AND currency = $2',
        [clinic, currency],
      );
      return new Map(result.rows.map((row) => [row.code, BigInt(row.allowed_minor)]));
    },
  };
}
