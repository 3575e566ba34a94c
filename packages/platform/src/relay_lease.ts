// The relay lease: one relay publishes at a time, so events leave in order. Held by one row, taken or renewed in
// one statement before every batch (no transaction stays open), given up at a clean stop.
import type { Queryable } from './pg.ts';

/** Long enough for a batch that ends on one publish timeout, renewed before every batch. */
export function leaseMsFor(publishTimeoutMs: number): number {
  return Math.max(10_000, 5 * publishTimeoutMs);
}

/** Takes or renews the relay lease; true while `holder` has it. One statement, no transaction held. */
export async function holdLease(pool: Queryable, holder: string, leaseMs: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    `INSERT INTO outbox_relay_lease AS lease (holder, held_until) VALUES ($1, now() + $2 * interval '1 millisecond')
     ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, held_until = EXCLUDED.held_until
      WHERE lease.holder = EXCLUDED.holder OR lease.held_until < now()`,
    [holder, leaseMs],
  );
  return rowCount === 1;
}

/** Gives the lease up at a clean stop, so another relay takes over at once. */
export async function releaseLease(pool: Queryable, holder: string): Promise<void> {
  await pool.query('DELETE FROM outbox_relay_lease WHERE holder = $1', [holder]);
}
