// Riders (the riders table): who has taps settlement has not priced yet, and the settlement lease (rider_lease.ts).
import type { Queryable } from '@citypass/platform/pg';
import type { RiderStore } from '../app/transit_store.ts';
import { takeRiderLease } from './rider_lease.ts';

export function postgresRiderStore(db: Queryable): RiderStore {
  return {
    async find(residentId) {
      const { rows } = await db.query<{ concession: string; tap_version: string }>(
        'SELECT concession, tap_version FROM riders WHERE resident_id = $1',
        [residentId],
      );
      const row = rows[0];
      return row === undefined ? undefined : { concession: row.concession, tapVersion: BigInt(row.tap_version) };
    },
    async due(limit, nowMs) {
      const { rows } = await db.query<{ resident_id: string }>(
        `
        (SELECT resident_id FROM riders WHERE tap_version > settled_version LIMIT $1)
        UNION
        (SELECT resident_id FROM riders WHERE recheck_at <= $2 LIMIT $1)
        UNION
        (SELECT DISTINCT resident_id FROM settlement_steps WHERE status = 'pending' LIMIT $1)`,
        [limit, new Date(nowMs)],
      );
      return rows.map((row) => row.resident_id);
    },
    async markPriced(residentId, tapVersion, recheckAtMs) {
      await db.query(
        'UPDATE riders SET settled_version = GREATEST(settled_version, $2), recheck_at = $3, updated_at = now() WHERE resident_id = $1',
        [residentId, tapVersion, recheckAtMs === undefined ? null : new Date(recheckAtMs)],
      );
    },
    async markWaitingForTopUp(residentId) {
      await db.query('UPDATE riders SET settled_version = tap_version, recheck_at = NULL WHERE resident_id = $1', [
        residentId,
      ]);
    },
    takeLease: (residentId) => takeRiderLease(db, residentId),
  };
}
