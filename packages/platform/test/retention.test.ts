import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idempotencyMigration } from '../src/idempotency.ts';
import { appendEvent, outboxMigrations } from '../src/outbox.ts';
import { createPool, migrate } from '../src/pg.ts';
import { pruneExpired } from '../src/retention.ts';
import { testPostgres } from '../src/testing.ts';

const day = 24 * 3600 * 1000;
const policy = { outboxMs: 7 * day, inboxMs: 30 * day, idempotencyKeysMs: 30 * day };

test('retention - only rows past their retention go, a batch at a time; unrelayed events never', async (t) => {
  const database = await testPostgres();
  t.after(() => database.drop());
  const pool = createPool(database.url, { max: 2 });
  t.after(() => pool.end());
  await migrate(pool, import.meta.dirname, [...outboxMigrations(900), idempotencyMigration(901)]);
  for (let index = 0; index < 5; index++)
    await appendEvent(pool, { type: 'test.v1.events.thing.done', source: 'test', payload: new Uint8Array([index]) });
  await pool.query(
    "UPDATE outbox SET published_at = now() - interval '8 days' WHERE seq <= (SELECT min(seq) + 2 FROM outbox)",
  );
  await pool.query(
    'UPDATE outbox SET published_at = now() WHERE published_at IS NULL AND seq = (SELECT max(seq) FROM outbox)',
  );
  await pool.query("UPDATE outbox SET created_at = now() - interval '60 days' WHERE published_at IS NULL");
  await pool.query(`INSERT INTO inbox (consumer, event_id, processed_at) VALUES
    ('c', 'old-1', now() - interval '31 days'), ('c', 'old-2', now() - interval '40 days'), ('c', 'recent', now() - interval '29 days')`);
  await pool.query(`INSERT INTO idempotency_keys (operation, key, request_hash, response, created_at) VALUES
    ('op', 'old', '\\x00', '\\x00', now() - interval '31 days'), ('op', 'recent', '\\x00', '\\x00', now() - interval '1 day')`);

  assert.deepEqual(await pruneExpired(pool, policy, 2), { outbox: 2, inbox: 2, idempotencyKeys: 1 });
  assert.deepEqual(await pruneExpired(pool, policy, 2), { outbox: 1, inbox: 0, idempotencyKeys: 0 });
  assert.deepEqual(await pruneExpired(pool, policy, 2), { outbox: 0, inbox: 0, idempotencyKeys: 0 });
  const outbox = await pool.query<{ published: boolean }>(
    'SELECT published_at IS NOT NULL AS published FROM outbox ORDER BY seq',
  );
  assert.deepEqual(
    outbox.rows.map((row) => row.published),
    [false, true],
    'the unrelayed (however old) and the recent event stay',
  );
  assert.deepEqual(
    (await pool.query<{ event_id: string }>('SELECT event_id FROM inbox')).rows.map((row) => row.event_id),
    ['recent'],
  );
  assert.deepEqual(
    (await pool.query<{ key: string }>('SELECT key FROM idempotency_keys')).rows.map((row) => row.key),
    ['recent'],
  );
});

test('retention - a database without some of the tables is pruned where it has them', async (t) => {
  const database = await testPostgres();
  t.after(() => database.drop());
  const pool = createPool(database.url, { max: 2 });
  t.after(() => pool.end());
  await migrate(pool, import.meta.dirname, outboxMigrations(900));
  await pool.query(
    "INSERT INTO inbox (consumer, event_id, processed_at) VALUES ('c', 'old', now() - interval '31 days')",
  );
  assert.deepEqual(await pruneExpired(pool, policy), { outbox: 0, inbox: 1, idempotencyKeys: 0 });
});
