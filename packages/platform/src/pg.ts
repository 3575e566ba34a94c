// PostgreSQL: one pool per service, numbered SQL migrations applied at start, and transactions that retry on
// serialization failures and deadlocks (the only errors where a retry is known to be safe).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import type { Logger } from './log.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that runs a query: the pool itself or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export interface PoolOptions {
  readonly max?: number;
  readonly applicationName?: string;
  /** Where a connection lost while checked out is reported (the query running on it fails by itself). */
  readonly logger?: Logger;
  /** Every transaction read-only (the server refuses any write): for checks and reports that must change nothing. */
  readonly readOnly?: boolean;
}

// int8 and numeric arrive as strings; parse int8 to bigint deliberately where it is read, never to a float.
/** The same bytes as a Buffer (how pg sends a bytea), without copying them. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A value an array argument's elements can take. */
export type ArrayElement = string | number | bigint | boolean | Date | Uint8Array | null;

/**
 * `values` as PostgreSQL's array literal text (`{...}`), for an array argument of any element type the values fit
 * (text, uuid, json, bytea, timestamptz, integers...): what node-postgres writes for a JavaScript array, in one pass.
 * pg's own writer runs two regular-expression replaces over every string element (copying each), grows the literal
 * one concatenation at a time, and writes a Date in local time field by field; a batch of the wallet's group commit
 * has ~35 array arguments, and that writer was the largest allocation site of an authorization (~6.9 KB of ~67 KB,
 * sampling heap profile of bench/risk_scoring.ts). Strings are quoted, escaped only when they hold `"` or `\`;
 * bytes go as hex (`\x...`), dates as UTC ISO text, null as NULL.
 */
export function arrayLiteral(values: readonly ArrayElement[]): string {
  const elements = new Array<string>(values.length);
  for (let index = 0; index < values.length; index += 1) elements[index] = arrayElement(values[index] ?? null);
  return `{${elements.join(',')}}`;
}

const needsEscape = /["\\]/;
const escaped = /["\\]/g;

function arrayElement(value: ArrayElement): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return needsEscape.test(value) ? `"${value.replace(escaped, '\\$&')}"` : `"${value}"`;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value instanceof Date) return `"${value.toISOString()}"`;
  return `"\\\\x${asBuffer(value).toString('hex')}"`;
}

export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'citypass',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(options.readOnly === true ? { options: '-c default_transaction_read_only=on' } : {}),
    // The URL parsed once, with pg's own parser, its fields over ours as pg would merge them from `connectionString`.
    // Given `connectionString`, OpenTelemetry's pg instrumentation parses it again (`new URL`) for the attributes of
    // each pool checkout's span it makes: 9-28 us of a pooled query's 101-136 us in alternating in-process rounds
    // (docs/capacity.md, "Telemetry per operation"). Parsed, the pool's metrics are also named by host, port and
    // database instead of "unknown_host".
    ...parseIntoClientConfig(url),
  });
  // A client whose connection is terminated (failover, pg_terminate_backend, a pooler restart, an idle-in-
  // transaction timeout) emits 'error'. pg-pool listens only while the client is idle; a checked-out client
  // without a listener would crash the process. This listener stays for the client's whole life: the query in
  // flight rejects on its own, and pg-pool drops the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      connectionErrors.add(1, { 'db.client.connection.pool.name': options.applicationName ?? 'citypass' });
      options.logger?.warn('database connection lost', { error });
    });
  });
  pool.on('error', () => undefined); // the idle client's error, already counted above
  return pool;
}

const connectionErrors = metrics.getMeter('@citypass/platform/pg').createCounter('citypass.db.connection_errors', {
  description: 'Database connections lost (terminated, reset) while open',
});

const retryableCodes = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
const maxAttempts = 5;

/**
 * Whether PostgreSQL aborted the work only to break a deadlock or a serialization conflict: nothing it did was
 * kept, and the same work run again is expected to succeed.
 */
export const isRetryableAbort = (code: string | null | undefined): boolean => retryableCodes.has(code ?? '');

/**
 * Runs `work` (one statement outside any transaction, so a transaction of its own) again, up to five times, while
 * PostgreSQL aborts it as a deadlock victim or a serialization failure. Never for a statement inside an open
 * transaction: that transaction is aborted, and the retry belongs to whoever runs the transaction (withTransaction).
 */
export async function retryingAborts<T>(work: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryableAbort(pgErrorCode(error))) throw error;
      await abortBackoff(attempt);
    }
  }
}

/** The pause before a retry after an abort: random, so two victims of one deadlock do not meet again. */
export const abortBackoff = (attempt: number): Promise<void> => sleep(Math.random() * 10 * attempt);

/** How many times work aborted by a deadlock or a serialization failure is tried in all. */
export const maxAbortAttempts = maxAttempts;

export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  options: { isolation?: 'read committed' | 'repeatable read' | 'serializable' } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${(options.isolation ?? 'read committed').toUpperCase()}`);
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      // A client that cannot even roll back is broken: destroy it rather than hand it to the next caller.
      client.release(rolledBack ? undefined : asError(error));
      if (attempt < maxAttempts && isRetryableAbort(pgErrorCode(error))) {
        await abortBackoff(attempt);
        continue;
      }
      throw error;
    }
  }
}

export function pgErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

export const isUniqueViolation = (error: unknown): boolean => pgErrorCode(error) === '23505';

/**
 * Applies `<n>-<slug>.sql` files from `dir` in numeric order, each in its own transaction, recording them in
 * `schema_migrations`. An advisory lock makes concurrent starts of the same service take turns. A file that was
 * applied and later edited is refused (checksum), so production never silently diverges from the repository.
 *
 * The one exception is declared in the file: a header line `-- replaces-checksum: <sha256 hex>` (one per earlier
 * version) says this text replaces those versions, and a database that applied one of them records the new
 * checksum instead of refusing it. Such an edit may only remove what another step now owns (e.g. function bodies
 * moved to files that `applyFunctions` applies), so databases migrated before and after it end up the same.
 */
export async function migrate(pool: pg.Pool, dir: string, extra: readonly Migration[] = []): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => /^\d+-[a-z0-9_-]+\.sql$/.test(name));
  const fromFiles = await Promise.all(
    files.map(async (name) => ({ name, sql: await readFile(join(dir, name), 'utf8') })),
  );
  const migrations = [...extra, ...fromFiles].sort((a, b) => migrationNumber(a.name) - migrationNumber(b.name));
  const numbers = migrations.map((m) => migrationNumber(m.name));
  assert.equal(new Set(numbers).size, numbers.length, `duplicate migration numbers in ${dir}`);

  return withSchemaLock(pool, async (client) => {
    const applied = await appliedChecksums(client, 'schema_migrations');
    const ran: string[] = [];
    for (const migration of migrations) {
      const checksum = sha256Hex(migration.sql);
      const previous = applied.get(migration.name);
      if (previous !== undefined) {
        if (previous === checksum) continue;
        assert.ok(
          replacedChecksums(migration.sql).has(previous),
          `migration ${migration.name} changed after it was applied`,
        );
        await client.query('UPDATE schema_migrations SET checksum = $2 WHERE name = $1', [migration.name, checksum]);
        continue;
      }
      await applyMigration(client, migration.name, migration.sql, checksum);
      ran.push(migration.name);
    }
    return ran;
  });
}

/**
 * (Re)applies each `<name>.sql` in `dir` whose text changed since it was last applied (checksums in
 * `schema_functions`), all in one transaction under the migrator's advisory lock: the other instances see the
 * functions of one release or of the next, never some of each (a new function whose body calls another changed in
 * a later file). A file holds the current code of one database function and must run on a database that has any
 * earlier version of it: `CREATE OR REPLACE`, or `DROP FUNCTION IF EXISTS` of its old signatures then `CREATE`. A
 * change of arguments keeps the previous release's signature working (a wrapper that calls the new one) until the
 * next change: during a rolling update the older instances call it on a database the first new one brought up to
 * date. Call it after `migrate`.
 */
export async function applyFunctions(pool: pg.Pool, dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => /^[a-z0-9_]+\.sql$/.test(name)).sort();
  const texts = await Promise.all(files.map(async (name) => ({ name, sql: await readFile(join(dir, name), 'utf8') })));
  return withSchemaLock(pool, async (client) => {
    const applied = await appliedChecksums(client, 'schema_functions');
    const changed = texts
      .map((file) => ({ ...file, checksum: sha256Hex(file.sql) }))
      .filter((file) => applied.get(file.name) !== file.checksum);
    if (changed.length === 0) return [];
    await client.query('BEGIN');
    try {
      for (const { name, sql, checksum } of changed) {
        await client.query(sql).catch((error: unknown) => {
          throw new Error(`function file ${name} failed`, { cause: error });
        });
        await recordApplied(client, 'schema_functions', name, checksum);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
    return changed.map((file) => file.name);
  });
}

async function withSchemaLock<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7262873)');
    return await work(client);
  } finally {
    await client.query('SELECT pg_advisory_unlock(7262873)').catch(() => undefined);
    client.release();
  }
}

async function appliedChecksums(
  client: pg.PoolClient,
  table: 'schema_migrations' | 'schema_functions',
): Promise<Map<string, string>> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${table} (name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const rows = (await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${table}`)).rows;
  return new Map(rows.map((row) => [row.name, row.checksum]));
}

/** One migration in its own transaction, recorded as applied in the same commit. */
async function applyMigration(client: pg.PoolClient, name: string, sql: string, checksum: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(sql);
    await recordApplied(client, 'schema_migrations', name, checksum);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw new Error(`migration ${name} failed`, { cause: error });
  }
}

/** The checksums a migration declares it replaces: its `-- replaces-checksum: <hex>` lines. */
function replacedChecksums(sql: string): Set<string> {
  return new Set([...sql.matchAll(/^-- replaces-checksum: ([0-9a-f]{64})$/gm)].map((match) => match[1] ?? ''));
}

export interface Migration {
  /** `<n>-<slug>.sql`, numbered in the same sequence as the service's own files. */
  readonly name: string;
  readonly sql: string;
}

function migrationNumber(name: string): number {
  return Number.parseInt(name.split('-', 1)[0] ?? '', 10);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function recordApplied(
  client: pg.PoolClient,
  table: 'schema_migrations' | 'schema_functions',
  name: string,
  checksum: string,
): Promise<void> {
  await client.query(
    `INSERT INTO ${table} (name, checksum) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()`,
    [name, checksum],
  );
}
