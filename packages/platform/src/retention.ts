// Keeps the bookkeeping tables from growing forever: relayed outbox rows, inbox ids and idempotency records are
// deleted once older than their retention, in bounded batches on an interval. Retentions must outlast every
// retry horizon: a client retrying with a key older than its retention is treated as a new request (the wallet's
// own uniqueness rules, one hold per mandate and one top-up per funding reference, still refuse a second charge),
// and an event redelivered after its inbox id is gone is handled again (every handler's effect is idempotent).
// Tables a service does not have are skipped.
import type { Logger } from './log.ts';
import { runPeriodically, type PeriodicJob } from './periodic.ts';
import type { Queryable } from './pg.ts';

export interface RetentionPolicy {
  /** Relayed outbox rows: far past JetStream's duplicate window. */
  readonly outboxMs: number;
  readonly inboxMs: number;
  readonly idempotencyKeysMs: number;
}

const day = 24 * 3600 * 1000;
export const defaultRetention: RetentionPolicy = { outboxMs: 7 * day, inboxMs: 30 * day, idempotencyKeysMs: 30 * day };

export interface Pruned {
  readonly outbox: number;
  readonly inbox: number;
  readonly idempotencyKeys: number;
}

const statements = {
  outbox: `DELETE FROM outbox WHERE seq IN (
    SELECT seq FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1) ORDER BY seq LIMIT $2)`,
  inbox: `DELETE FROM inbox WHERE (consumer, event_id) IN (
    SELECT consumer, event_id FROM inbox WHERE processed_at < now() - make_interval(secs => $1) LIMIT $2)`,
  idempotency_keys: `DELETE FROM idempotency_keys WHERE (operation, key) IN (
    SELECT operation, key FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1) LIMIT $2)`,
} as const;

/** Deletes at most `batchSize` expired rows from each table; how many went. */
export async function pruneExpired(
  pool: Queryable,
  policy: RetentionPolicy = defaultRetention,
  batchSize = 10_000,
): Promise<Pruned> {
  const { rows } = await pool.query<{ name: keyof typeof statements }>(
    "SELECT relname AS name FROM pg_class WHERE relkind = 'r' AND relname = ANY($1) AND pg_table_is_visible(oid)",
    [Object.keys(statements)],
  );
  const present = new Set(rows.map((row) => row.name));
  const prune = async (table: keyof typeof statements, retainMs: number): Promise<number> =>
    present.has(table)
      ? ((await pool.query(statements[table], [Math.floor(retainMs / 1000), batchSize])).rowCount ?? 0)
      : 0;
  return {
    outbox: await prune('outbox', policy.outboxMs),
    inbox: await prune('inbox', policy.inboxMs),
    idempotencyKeys: await prune('idempotency_keys', policy.idempotencyKeysMs),
  };
}

export function startRetentionPruner(
  pool: Queryable,
  options: { policy?: RetentionPolicy; intervalMs?: number; batchSize?: number; logger?: Logger } = {},
): PeriodicJob {
  const intervalMs = options.intervalMs ?? 10 * 60 * 1000;
  return runPeriodically(
    { name: 'pruning expired bookkeeping rows', intervalMs, ...(options.logger ? { logger: options.logger } : {}) },
    async () => {
      await pruneExpired(pool, options.policy, options.batchSize);
    },
  );
}
