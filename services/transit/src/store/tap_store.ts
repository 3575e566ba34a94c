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
      return rows.map(
        (row): Tap => ({
          id: row.id,
          stationId: row.station_id,
          direction: row.direction,
          atMs: row.tapped_at.getTime(),
        }),
      );
    },
    async traceContextOf(tapId) {
      const { rows } = await db.query<{ trace_context: Record<string, string> }>(
        'SELECT trace_context FROM taps WHERE id = $1',
        [tapId],
      );
      return rows[0]?.trace_context ?? {};
    },
    async presentationOf(tapId) {
      const { rows } = await db.query<{ presentation: string }>('SELECT presentation FROM taps WHERE id = $1', [tapId]);
      return rows[0]?.presentation;
    },
  };
}

interface TapRow {
  readonly id: string;
  readonly station_id: string;
  readonly direction: 'in' | 'out';
  readonly tapped_at: Date;
}
