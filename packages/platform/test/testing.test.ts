import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { freePort, startNatsServer, testPostgres, uniqueName } from '../src/testing.ts';

test('uniqueName - lowercase, identifier-safe and different each call', () => {
  const names = new Set(Array.from({ length: 100 }, () => uniqueName('Wallet.Test-x')));
  assert.equal(names.size, 100);
  for (const name of names) assert.match(name, /^wallet_test_x_[a-z0-9]+$/);
});

test('freePort - a port that can be bound', async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65_536);
});

test('testPostgres - each call gives a new empty database, and drop removes it', { timeout: 15_000 }, async () => {
  const [first, second] = await Promise.all([testPostgres(), testPostgres()]);
  assert.notEqual(first.database, second.database);
  const client = new pg.Client({ connectionString: first.url });
  client.on('error', () => undefined); // the drop below terminates this connection
  await client.connect();
  const { rows } = await client.query<{ tables: string }>(
    "SELECT count(*) AS tables FROM information_schema.tables WHERE table_schema = 'public'",
  );
  assert.equal(rows[0]?.tables, '0');
  await first.drop(); // with the client still connected: FORCE closes it
  await client.end().catch(() => undefined);
  const admin = new pg.Client({ connectionString: second.url });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [first.database]);
  await admin.end();
  assert.equal(exists.rowCount, 0);
  await second.drop();
});

test('startNatsServer - restart keeps the port and JetStream state', { timeout: 15_000 }, async () => {
  const server = await startNatsServer();
  try {
    const stream = uniqueName('keep').toUpperCase();
    let nc = await connect({ servers: server.url });
    await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] });
    await nc.close();
    const port = server.port;
    await server.restart();
    assert.equal(server.port, port);
    nc = await connect({ servers: server.url });
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    assert.equal(info.config.name, stream);
    await nc.close();
  } finally {
    await server.stop();
  }
});
