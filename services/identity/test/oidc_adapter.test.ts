// The PostgreSQL adapter's atomic operations, driven directly and concurrently (separate pool connections).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { outboxMigrations } from '@citypass/platform/outbox';
import { createPool, migrate, type Pool } from '@citypass/platform/pg';
import { testPostgres, type TestDatabase } from '@citypass/platform/testing';
import { pgAdapterFactory } from '../src/store/oidc_adapter.ts';
import { deleteExpiredPayloads } from '../src/store/oidc_cleanup.ts';
import { SecretBox } from '../src/store/secret_box.ts';

let database: TestDatabase;
let pool: Pool;
const box = new SecretBox(randomBytes(32).toString('base64url'));
before(async () => {
  database = await testPostgres();
  pool = createPool(database.url, { max: 16 });
  await migrate(pool, join(import.meta.dirname, '..', 'src', 'store', 'migrations'), outboxMigrations(900));
});
after(async () => {
  await pool.end();
  await database.drop();
});

test('oidc adapter - of many concurrent consumes of one code exactly one succeeds, and the grant is revoked', async () => {
  const codes = pgAdapterFactory(pool, box)('AuthorizationCode');
  const tokens = pgAdapterFactory(pool, box)('AccessToken');
  await codes.upsert('code-1', { grantId: 'grant-1', kind: 'AuthorizationCode' }, 60);
  await tokens.upsert('token-1', { grantId: 'grant-1', kind: 'AccessToken' }, 60);
  const results = await Promise.allSettled(Array.from({ length: 12 }, () => codes.consume('code-1')));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const failure of results.filter((r) => r.status === 'rejected')) {
    assert.equal((failure.reason as { error?: string }).error, 'invalid_grant');
  }
  assert.equal(await tokens.find('token-1'), undefined, 'tokens of a replayed code are revoked');
  assert.equal(await codes.find('code-1'), undefined, 'the replayed code itself is gone with its grant');
});

test('oidc adapter - replay detection claims an id once under concurrency', async () => {
  const replay = pgAdapterFactory(pool, box)('ReplayDetection');
  const found = await Promise.all(Array.from({ length: 12 }, () => replay.find('jti-1')));
  assert.equal(found.filter((f) => f === undefined).length, 1, 'exactly one caller sees the id as new');
});

test('oidc adapter - expired payloads are not found', async () => {
  const sessions = pgAdapterFactory(pool, box)('Session');
  await sessions.upsert('s-1', { uid: 'u-1', kind: 'Session' }, 1);
  assert.ok(await sessions.findByUid('u-1'));
  await pool.query("UPDATE oidc_payloads SET expires_at = now() - interval '1 second' WHERE id = 's-1'");
  assert.equal(await sessions.find('s-1'), undefined);
  assert.equal(await sessions.findByUid('u-1'), undefined);
});

test('oidc adapter - client secrets are sealed at rest and opened on load', async () => {
  const clients = pgAdapterFactory(pool, box)('Client');
  await clients.upsert('parking', { client_id: 'parking', client_secret: 'super-secret-value' }, 0);
  const stored = await pool.query<{ payload: Record<string, unknown> }>(
    "SELECT payload FROM oidc_payloads WHERE model = 'Client' AND id = 'parking'",
  );
  assert.equal(JSON.stringify(stored.rows[0]?.payload).includes('super-secret-value'), false);
  assert.equal((await clients.find('parking'))?.client_secret, 'super-secret-value');
});

test('oidc adapter - after a code replay, a token of its grant saved late is neither stored nor found', async () => {
  const codes = pgAdapterFactory(pool, box)('AuthorizationCode');
  const tokens = pgAdapterFactory(pool, box)('AccessToken');
  await codes.upsert('code-2', { grantId: 'grant-2', kind: 'AuthorizationCode' }, 60);
  await codes.consume('code-2');
  await assert.rejects(codes.consume('code-2'), (error: { error?: string }) => error.error === 'invalid_grant');
  // The winner's token lands after the loser's revokeByGrantId: the race the tombstone closes.
  await tokens.upsert('token-2', { grantId: 'grant-2', kind: 'AccessToken' }, 60);
  assert.equal(await tokens.find('token-2'), undefined);
  const stored = await pool.query("SELECT 1 FROM oidc_payloads WHERE model = 'AccessToken' AND id = 'token-2'");
  assert.equal(stored.rowCount, 0);
  // A row that slipped past both (written between the tombstone and the delete) is not found either.
  await pool.query(`INSERT INTO oidc_payloads (model, id, payload, grant_id, uid, expires_at)
    VALUES ('AccessToken', 'token-4', '{}', 'grant-2', 'uid-4', now() + interval '1 minute')`);
  assert.equal(await tokens.find('token-4'), undefined);
  assert.equal(await tokens.findByUid('uid-4'), undefined);
  await tokens.upsert('token-3', { grantId: 'grant-3', kind: 'AccessToken' }, 60);
  assert.ok(await tokens.find('token-3'), 'other grants are untouched');
});

test('oidc adapter - cleanup deletes rows expired over an hour ago, at most the limit per call', async () => {
  await pool.query('DELETE FROM oidc_payloads');
  const rows: [string, string | null][] = [
    ['old-1', "now() - interval '2 hours'"],
    ['old-2', "now() - interval '3 hours'"],
    ['old-3', "now() - interval '1 day'"],
    ['recent', "now() - interval '30 minutes'"],
    ['live', "now() + interval '1 hour'"],
    ['forever', null],
  ];
  for (const [id, expiresAt] of rows) {
    await pool.query(
      `INSERT INTO oidc_payloads (model, id, payload, expires_at) VALUES ('Session', $1, '{}', ${expiresAt ?? 'NULL'})`,
      [id],
    );
  }
  assert.equal(await deleteExpiredPayloads(pool, 2), 2);
  assert.equal(await deleteExpiredPayloads(pool, 2), 1);
  assert.equal(await deleteExpiredPayloads(pool), 0);
  const left = await pool.query<{ id: string }>("SELECT id FROM oidc_payloads WHERE model = 'Session' ORDER BY id");
  assert.deepEqual(
    left.rows.map((row) => row.id),
    ['forever', 'live', 'recent'],
  );
});
