// The relay lease: one relay publishes at a time, so events leave in order. Held by one row, taken or renewed in
// the same statement that reads the batch (no transaction stays open), given up at a clean stop.
import type { Queryable } from './pg.ts';

/** Long enough for a batch that ends on one publish timeout, renewed before every batch. */
export function leaseMsFor(publishTimeoutMs: number): number {
  return Math.max(10_000, 5 * publishTimeoutMs);
}

export interface StoredOutboxRow {
  seq: string;
  id: string;
  subject: string;
  payload: Buffer;
  headers: Record<string, string>;
}

/**
 * Takes or renews the relay lease for `holder` and, only if it now holds it, reads the oldest `batchSize`
 * unpublished rows in order: one statement, so a batch costs this plus its marking, and no transaction is held.
 * The lease row stays locked until the statement commits, so another relay cannot take the lease between the
 * renewal and the read. `leader` is false when another holder's lease has not lapsed (and `rows` is empty).
 */
export async function holdLeaseAndReadBatch(
  pool: Queryable,
  holder: string,
  leaseMs: number,
  batchSize: number,
): Promise<{ leader: boolean; rows: StoredOutboxRow[] }> {
  // One row per event, or one row of NULLs when the lease is held and nothing waits; none without the lease.
  const { rows } = await pool.query<{ [K in keyof StoredOutboxRow]: StoredOutboxRow[K] | null }>(
    `WITH lease AS (
       INSERT INTO outbox_relay_lease AS lease (holder, held_until) VALUES ($1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, held_until = EXCLUDED.held_until
        WHERE lease.holder = EXCLUDED.holder OR lease.held_until < now()
       RETURNING holder)
     SELECT batch.seq, batch.id, batch.subject, batch.payload, batch.headers
       FROM lease LEFT JOIN LATERAL (
         SELECT seq, id, subject, payload, headers FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $3
       ) AS batch ON true
      ORDER BY batch.seq`,
    [holder, leaseMs, batchSize],
  );
  return {
    leader: rows.length > 0,
    rows: rows.filter((row): row is StoredOutboxRow => row.seq !== null),
  };
}

/** Gives the lease up at a clean stop, so another relay takes over at once. */
export async function releaseLease(pool: Queryable, holder: string): Promise<void> {
  await pool.query('DELETE FROM outbox_relay_lease WHERE holder = $1', [holder]);
}
