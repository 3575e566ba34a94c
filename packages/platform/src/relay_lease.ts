// The relay lease: one relay publishes at a time, so events leave in order. Held by one row, taken or renewed in
// the one statement a batch costs (it also marks the previous batch and reads the next), given up at a clean stop.
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
 * Marks `published` (the previous batch's PubAck'd rows) as published, takes or renews the relay lease for
 * `holder` and, only if it now holds it, reads the oldest `batchSize` unpublished rows in order: one statement a
 * batch, and no transaction held across the publishes. The read sees the table as it was before the marking, so
 * it skips the rows just marked. The lease row stays locked until the statement commits, so another relay cannot
 * take the lease between the renewal and the read. `leader` is false when another holder's lease has not lapsed
 * (and `rows` is empty); the marking is done either way.
 *
 * The statement commits without waiting for its WAL to reach the disk (synchronous_commit off for its own
 * transaction): a crash of the database server may forget its last few hundred milliseconds of marks and renewals
 * (the WAL writer flushes every 200 ms by default), and nothing is lost by that. A forgotten mark publishes its row
 * again, which the stream's duplicate window and the consumers' inboxes drop. A forgotten renewal leaves the lease
 * as it was a moment earlier: still held for most of its length, or lapsed after an idle spell, and then another
 * relay may publish the same rows as this one, as when a holder stalls past its lease (publishBatch: duplicates
 * are dropped and expected sequences keep the order). WAL is flushed in order, so any later durable commit makes
 * these durable too. Waiting instead cost a flush per batch, or two when the relay then idles, and the service's
 * own commits, which must wait, queued behind them.
 */
export async function markLeaseAndRead(
  pool: Queryable,
  options: { holder: string; leaseMs: number; batchSize: number; published: readonly string[] },
): Promise<{ leader: boolean; rows: StoredOutboxRow[] }> {
  // One row per event, or one row of NULLs when the lease is held and nothing waits; none without the lease.
  const { rows } = await pool.query<{ [K in keyof StoredOutboxRow]: StoredOutboxRow[K] | null }>(
    `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
     marked AS (
       UPDATE outbox SET published_at = now() WHERE seq = ANY($4::bigint[]) AND published_at IS NULL),
     lease AS (
       INSERT INTO outbox_relay_lease AS lease (holder, held_until)
       SELECT $1, now() + $2 * interval '1 millisecond' FROM async_commit
       ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, held_until = EXCLUDED.held_until
        WHERE lease.holder = EXCLUDED.holder OR lease.held_until < now()
       RETURNING holder)
     SELECT batch.seq, batch.id, batch.subject, batch.payload, batch.headers
       FROM lease LEFT JOIN LATERAL (
         SELECT seq, id, subject, payload, headers FROM outbox
          WHERE published_at IS NULL AND seq <> ALL($4::bigint[]) ORDER BY seq LIMIT $3
       ) AS batch ON true
      ORDER BY batch.seq`,
    [options.holder, options.leaseMs, options.batchSize, options.published],
  );
  return { leader: rows.length > 0, rows: rows.filter((row): row is StoredOutboxRow => row.seq !== null) };
}

/**
 * Whether any row waits, read without writing: an idle relay polls with this rather than with markLeaseAndRead,
 * whose lease renewal is a write and a commit flushed to the WAL at every poll (the wallet polls every 50 ms: 20
 * commits a second of an idle service). The lease may lapse while its holder idles; the holder renews it, or
 * another relay takes it, at the next batch, so one relay still publishes at a time.
 */
export async function anyUnpublished(pool: Queryable): Promise<boolean> {
  const { rows } = await pool.query<{ any: boolean }>({
    name: 'outbox_any_unpublished',
    text: 'SELECT EXISTS (SELECT FROM outbox WHERE published_at IS NULL) AS any',
  });
  return rows[0]?.any === true;
}

/** Marks rows published on their own: after a failed batch, and at a clean stop. */
export async function markPublished(pool: Queryable, published: readonly string[]): Promise<void> {
  await pool.query('UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[]) AND published_at IS NULL', [
    published,
  ]);
}

/** Gives the lease up at a clean stop, so another relay takes over at once. */
export async function releaseLease(pool: Queryable, holder: string): Promise<void> {
  await pool.query('DELETE FROM outbox_relay_lease WHERE holder = $1', [holder]);
}
