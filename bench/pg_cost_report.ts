// bench/pg_cost.ts's figures: CPU and WAL per charge for a variant, and for the baseline where its time goes
// (pg_stat_statements, nested statements included, and pg_stat_user_functions), plus the relay's marking.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from '@citypass/platform/pg';
import { postgresCpuOf } from './cpu.ts';
import { emit, percentile } from './lib.ts';

/** These lines take one charge's database cost apart; the floor figures of the same work are wallet_charges.ts's. */
const breakdown = { floor: null, floor_missing: 'a cost breakdown of one charge, not a speed' } as const;
import type { Variant } from './pg_cost_variants.ts';

const bench = 'pg_cost';
const round = (value: number): number => Math.round(value * 10) / 10;

export async function report(
  pool: Pool,
  variant: Variant,
  workers: number,
  charges: number,
  cpuMs: number,
  wallMs: number,
  batchSizes: readonly number[],
): Promise<void> {
  const common = { bench, variant: variant.name, part: variant.part, workers, charges, ...breakdown };
  emit({ ...common, metric: 'cpu_per_charge', value: round((cpuMs * 1000) / charges), unit: 'us/charge' });
  emit({ ...common, metric: 'wall_per_charge', value: round((wallMs * 1000) / charges), unit: 'us/charge' });
  if (batchSizes.length > 0)
    emit({
      ...common,
      metric: 'mean_batch_size',
      value: round(charges / batchSizes.length),
      unit: 'charges/transaction',
      p50: percentile(batchSizes, 50),
      max: Math.max(...batchSizes),
    });
  await sleep(500); // the statistics of the backends that just exited
  const wal = (
    await pool.query<{ wal_records: string; wal_fpi: string; wal_bytes: string }>(
      'SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal',
    )
  ).rows[0];
  for (const [metric, value] of Object.entries(wal ?? {}))
    emit({ ...common, metric: `${metric}_per_charge`, value: round(Number(value) / charges), unit: 'per charge' });
  if (variant.name !== 'baseline' && variant.batch === undefined) return;
  const statements = await pool.query<{ query: string; calls: string; total_exec_time: number; toplevel: boolean }>(
    `SELECT query, calls, total_exec_time, toplevel FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
     ORDER BY total_exec_time DESC LIMIT 30`,
  );
  for (const row of statements.rows)
    emit({
      ...common,
      metric: 'statement_time_per_charge',
      value: round((row.total_exec_time * 1000) / charges),
      unit: 'us/charge',
      calls_per_charge: round(Number(row.calls) / charges),
      toplevel: row.toplevel,
      statement: row.query.replaceAll(/\s+/g, ' ').slice(0, 160),
    });
  const functions = await pool.query<{ funcname: string; calls: string; self_time: number; total_time: number }>(
    'SELECT funcname, calls, self_time, total_time FROM pg_stat_user_functions ORDER BY total_time DESC',
  );
  for (const row of functions.rows)
    emit({
      ...common,
      metric: 'function_time_per_charge',
      value: round((row.total_time * 1000) / charges),
      unit: 'us/charge',
      self_us_per_charge: round((row.self_time * 1000) / charges),
      calls_per_charge: round(Number(row.calls) / charges),
      function: row.funcname,
    });
}

/**
 * The outbox relay's database work for the rows the charges wrote: per batch of 100 one statement that marks the
 * batch before it published, renews the lease and reads the rows (no NATS: only the database's side), as
 * platform's relay_lease.ts does it.
 */
export async function relayCost(pool: Pool, database: string, workers: number, charges: number): Promise<void> {
  const cpu = postgresCpuOf(database);
  const beforeMs = cpu.read();
  await pool.query(
    'CREATE TABLE IF NOT EXISTS outbox_relay_lease (id boolean PRIMARY KEY DEFAULT true, holder text, held_until timestamptz)',
  );
  // Each statement marks the batch before it; the last one marks the last batch and finds nothing.
  for (let published: string[] = []; ; ) {
    const { rows } = await pool.query<{ seq: string | null }>(
      `WITH marked AS (
         UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[]) AND published_at IS NULL),
       lease AS (
         INSERT INTO outbox_relay_lease AS lease (holder, held_until) VALUES ('bench', now() + interval '10 s')
         ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, held_until = EXCLUDED.held_until
          WHERE lease.holder = EXCLUDED.holder OR lease.held_until < now()
         RETURNING holder)
       SELECT batch.seq, batch.id, batch.subject, batch.payload, batch.headers
         FROM lease LEFT JOIN LATERAL (
           SELECT seq, id, subject, payload, headers FROM outbox
            WHERE published_at IS NULL AND seq <> ALL($1::bigint[]) ORDER BY seq LIMIT 100
         ) AS batch ON true
        ORDER BY batch.seq`,
      [published],
    );
    published = rows.flatMap((row) => (row.seq === null ? [] : [row.seq]));
    if (published.length === 0) break;
  }
  const usedMs = cpu.read() - beforeMs;
  const total = (await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]?.n ?? '0';
  emit({
    bench,
    variant: 'baseline',
    part: 'outbox relay: one statement a batch: mark the one before, lease, read (per charge, all rows so far)',
    workers,
    charges,
    metric: 'relay_cpu_per_charge',
    value: round((usedMs * 1000 * 2) / Number(total)),
    unit: 'us/charge',
    ...breakdown,
  });
}
