// PostgreSQL: one pool per service, numbered SQL migrations applied at start, and transactions that retry on
// serialization failures and deadlocks (the only errors where a retry is known to be safe).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that runs a query: the pool itself or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

// int8 and numeric arrive as strings; parse int8 to bigint deliberately where it is read, never to a float.
export function createPool(url: string, options: { max?: number; applicationName?: string } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'citypass',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its connection emits here; without a listener the process would crash.
  pool.on('error', () => undefined);
  return pool;
}

const retryableCodes = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
const maxAttempts = 5;

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
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (attempt < maxAttempts && retryableCodes.has(pgErrorCode(error) ?? '')) {
        await sleep(Math.random() * 10 * attempt);
        continue;
      }
      throw error;
    } finally {
      client.release();
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
 */
export async function migrate(pool: pg.Pool, dir: string, extra: readonly Migration[] = []): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => /^\d+-[a-z0-9_-]+\.sql$/.test(name));
  const fromFiles = await Promise.all(
    files.map(async (name) => ({ name, sql: await readFile(join(dir, name), 'utf8') })),
  );
  const migrations = [...extra, ...fromFiles].sort((a, b) => migrationNumber(a.name) - migrationNumber(b.name));
  const numbers = migrations.map((m) => migrationNumber(m.name));
  assert.equal(new Set(numbers).size, numbers.length, `duplicate migration numbers in ${dir}`);

  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7262873)');
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const applied = new Map(
      (await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations')).rows.map(
        (row) => [row.name, row.checksum],
      ),
    );
    const ran: string[] = [];
    for (const migration of migrations) {
      const checksum = sha256Hex(migration.sql);
      const previous = applied.get(migration.name);
      if (previous !== undefined) {
        assert.equal(previous, checksum, `migration ${migration.name} changed after it was applied`);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [migration.name, checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${migration.name} failed`, { cause: error });
      }
      ran.push(migration.name);
    }
    return ran;
  } finally {
    await client.query('SELECT pg_advisory_unlock(7262873)').catch(() => undefined);
    client.release();
  }
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

