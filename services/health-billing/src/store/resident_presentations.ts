// The presentations residents read their bills with, each accepted once on any instance: the primary key decides,
// and rows past their expiry are swept in bounded batches.
import type { Queryable } from '@citypass/platform/pg';
import type { PresentationStore } from '../app/store.ts';

export function postgresPresentationStore(db: Queryable): PresentationStore {
  return {
    async use(presentationId, keepUntilMs) {
      const result = await db.query(
        `INSERT INTO resident_presentations (presentation_id, expires_at) VALUES ($1, $2)
         ON CONFLICT (presentation_id) DO NOTHING`,
        [presentationId, new Date(keepUntilMs)],
      );
      return result.rowCount === 1;
    },
    async sweep(nowMs, limit) {
      const result = await db.query(
        `DELETE FROM resident_presentations WHERE presentation_id IN (
           SELECT presentation_id FROM resident_presentations WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)`,
        [new Date(nowMs), limit],
      );
      return result.rowCount ?? 0;
    },
  };
}
