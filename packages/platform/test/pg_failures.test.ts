// A database that drops connections (failover, pg_terminate_backend, a pooler restart) or has none free must fail
// the operation as `unavailable`, never crash the process, and leave the pool usable.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { DomainError } from '../src/errors.ts';
import { asRetryableFailure } from '../src/infrastructure_errors.ts';
import { createPool, withTransaction, type Pool } from '../src/pg.ts';
import { testPostgres } from '../src/testing.ts';

async function setUp(t: TestContext, max = 4): Promise<{ pool: Pool; admin: Pool; applicationName: string }> {
  const database = await testPostgres();
  const applicationName = `pg-failures-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const pool = createPool(database.url, { max, applicationName });
  const admin = createPool(database.url, { max: 1, applicationName: 'pg-failures-admin' });
  t.after(async () => {
    await pool.end();
    await admin.end();
    await database.drop();
  });
  return { pool, admin, applicationName };
}

async function terminate(admin: Pool, applicationName: string): Promise<number> {
  const { rowCount } = await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
    [applicationName],
  );
  return rowCount ?? 0;
}

function isUnavailable(reason: string): (error: unknown) => boolean {
  return (error) => {
    const failure = asRetryableFailure(error);
    return failure instanceof DomainError && failure.kind === 'unavailable' && failure.reason === reason;
  };
}

test('pg - a connection terminated inside a transaction fails that transaction as unavailable; the process and the pool live on', {
  timeout: 20_000,
}, async (t) => {
  const { pool, admin, applicationName } = await setUp(t);
  await pool.query('CREATE TABLE things (id int PRIMARY KEY)');
  let release: () => void = () => undefined;
  const parked = new Promise<void>((resolve) => {
    release = resolve;
  });
  // The transaction waits on something else (as the relay once waited for JetStream) while its connection dies.
  const transaction = withTransaction(pool, async (client) => {
    await client.query('INSERT INTO things VALUES (1)');
    await parked;
    await client.query('INSERT INTO things VALUES (2)');
  });
  await waitFor(
    async () =>
      (
        await admin.query(
          "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle in transaction'",
          [applicationName],
        )
      ).rowCount === 1,
  );
  assert.equal(await terminate(admin, applicationName), 1);
  await new Promise((resolve) => setTimeout(resolve, 100)); // the 'error' event arrives while the client is checked out
  release();
  await assert.rejects(transaction, isUnavailable('DATABASE_UNAVAILABLE'));
  assert.equal(
    (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM things')).rows[0]?.n,
    0,
    'nothing of the lost transaction committed',
  );
  await withTransaction(pool, (client) => client.query('INSERT INTO things VALUES (3)'));
  assert.deepEqual((await pool.query('SELECT id FROM things')).rows, [{ id: 3 }]);
});

test('pg - idle and checked-out connections terminated at once are replaced; later queries succeed', {
  timeout: 20_000,
}, async (t) => {
  const { pool, admin, applicationName } = await setUp(t);
  const checkedOut = await pool.connect();
  const idle = await pool.connect();
  idle.release();
  assert.equal(await terminate(admin, applicationName), 2);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await assert.rejects(checkedOut.query('SELECT 1'), isUnavailable('DATABASE_UNAVAILABLE'));
  checkedOut.release(new Error('broken'));
  assert.equal((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
});

test('pg - waiting past the pool timeout for a free connection is unavailable DATABASE_BUSY', {
  timeout: 20_000,
}, async (t) => {
  const { pool } = await setUp(t, 1);
  const client = await pool.connect();
  try {
    await assert.rejects(pool.query('SELECT 1'), isUnavailable('DATABASE_BUSY'));
  } finally {
    client.release();
  }
});

test('infrastructure errors - only infrastructure failures are retryable; bugs and refusals are not', () => {
  const withCode = (code: string): Error => Object.assign(new Error('x'), { code });
  assert.equal(asRetryableFailure(withCode('57P01'))?.reason, 'DATABASE_UNAVAILABLE');
  assert.equal(asRetryableFailure(withCode('08006'))?.reason, 'DATABASE_UNAVAILABLE');
  assert.equal(asRetryableFailure(withCode('55P03'))?.reason, 'DATABASE_BUSY');
  assert.equal(asRetryableFailure(withCode('53300'))?.reason, 'DATABASE_BUSY');
  assert.equal(asRetryableFailure(withCode('ECONNREFUSED'))?.reason, 'BACKEND_UNAVAILABLE');
  assert.equal(asRetryableFailure(new Error('Connection terminated unexpectedly'))?.reason, 'DATABASE_UNAVAILABLE');
  assert.equal(asRetryableFailure(withCode('23505')), undefined, 'a constraint violation is not an outage');
  assert.equal(asRetryableFailure(withCode('42601')), undefined, 'a syntax error is a bug');
  assert.equal(asRetryableFailure(new TypeError('x is undefined')), undefined);
  const refusal = new DomainError('failed_precondition', 'HOLD_EXPIRED', 'expired');
  assert.equal(asRetryableFailure(refusal), refusal);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
