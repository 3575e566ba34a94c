// Reads of recorded taps (the taps table). Writes go through the TapRecorder (tap_recorder.ts).
import type { Queryable } from '@citypass/platform/pg';
import type { TapStore } from '../app/transit_store.ts';
import type { Tap } from '../domain/tap.ts';

export function postgresTapStore(db: Queryable): TapStore {
  return {
    async between(residentId, fromMs, untilMs) {
      const { rows } =
        untilMs === undefined
          ? await db.query<TapRow>(
              'SELECT id, station_id, direction, tapped_at FROM taps WHERE resident_id = $1 AND tapped_at >= $2 ORDER BY tapped_at, id',
              [residentId, new Date(fromMs)],
            )
          : await db.query<TapRow>(
              `
          SELECT id, station_id, direction, tapped_at FROM taps
           WHERE resident_id = $1 AND tapped_at >= $2 AND tapped_at < $3 ORDER BY tapped_at, id`,
              [residentId, new Date(fromMs), new Date(untilMs)],
            );
      return rows.map(tapOf);
    },
    async ridersBetween(fromMs, untilMs, afterResidentId, limit) {
      const { rows } = await db.query<TapRow & { resident_id: string; concession: string }>(
        `
        WITH chosen AS (
          SELECT DISTINCT resident_id FROM taps
           WHERE tapped_at >= $1 AND tapped_at < $2 AND ($3::uuid IS NULL OR resident_id > $3::uuid)
           ORDER BY resident_id LIMIT $4
        )
        SELECT t.resident_id, r.concession, t.id, t.station_id, t.direction, t.tapped_at
          FROM chosen JOIN taps t USING (resident_id) JOIN riders r USING (resident_id)
         WHERE t.tapped_at >= $1 AND t.tapped_at < $2
         ORDER BY t.resident_id, t.tapped_at, t.id`,
        [new Date(fromMs), new Date(untilMs), afterResidentId === '' ? null : afterResidentId, limit],
      );
      const riders: { residentId: string; concession: string; taps: Tap[] }[] = [];
      for (const row of rows) {
        let rider = riders.at(-1);
        if (rider?.residentId !== row.resident_id) {
          rider = { residentId: row.resident_id, concession: row.concession, taps: [] };
          riders.push(rider);
        }
        rider.taps.push(tapOf(row));
      }
      return riders;
    },
    async traceContextOf(tapId) {
      const { rows } = await db.query<{ trace_context: Record<string, string> }>(
        'SELECT trace_context FROM taps WHERE id = $1',
        [tapId],
      );
      return rows[0]?.trace_context ?? {};
    },
    async mandateOf(tapId) {
      const { rows } = await db.query<{ presentation: string; station_id: string }>(
        'SELECT presentation, station_id FROM taps WHERE id = $1',
        [tapId],
      );
      const row = rows[0];
      return row === undefined ? undefined : { presentation: row.presentation, stationId: row.station_id };
    },
  };
}

function tapOf(row: TapRow): Tap {
  return { id: row.id, stationId: row.station_id, direction: row.direction, atMs: row.tapped_at.getTime() };
}

interface TapRow {
  readonly id: string;
  readonly station_id: string;
  readonly direction: 'in' | 'out';
  readonly tapped_at: Date;
}
