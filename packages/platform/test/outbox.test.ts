import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { after, before, test, type TestContext } from 'node:test';
import { context, propagation, trace, ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { connectBus, ensureStream, type Bus } from '../src/bus.ts';
import { JetStreamPublisher } from '../src/jetstream_publish.ts';
import type { Logger } from '../src/log.ts';
import {
  appendEvent,
  appendEvents,
  outboxMigrations,
  processOnce,
  relayLag,
  startConsumer,
  startOutboxRelay,
  type OutboxRelay,
} from '../src/outbox.ts';
import { createPool, migrate, withTransaction, type Pool } from '../src/pg.ts';
import { markLeaseAndRead } from '../src/relay_lease.ts';
import { startNatsServer, testNats, testPostgres, uniqueName } from '../src/testing.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

let bus: Bus;

before(async () => {
  context.setGlobalContextManager(asyncContextManager());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  bus = await connectBus({ servers: (await testNats()).url, name: 'platform-outbox-test' });
});

after(async () => {
  await bus.close();
});

const cleanups = new WeakMap<TestContext, (() => Promise<void>)[]>();

/** Runs `cleanUp` after the test, in reverse order of registration (node:test runs `t.after` hooks in order). */
function defer(t: TestContext, cleanUp: () => Promise<void>): void {
  let stack = cleanups.get(t);
  if (stack === undefined) {
    const created: (() => Promise<void>)[] = [];
    stack = created;
    cleanups.set(t, created);
    t.after(async () => {
      for (const next of created.reverse()) await next();
    });
  }
  stack.push(cleanUp);
}

/** A fresh database with the outbox tables and a fresh stream; everything is removed after the test. */
async function setUp(
  t: TestContext,
  jsm: JetStreamManager = bus.jsm,
): Promise<{ pool: Pool; url: string; stream: string; subject: string }> {
  const database = await testPostgres();
  const pool = createPool(database.url, { max: 5 });
  await migrate(pool, import.meta.dirname, outboxMigrations(900));
  const prefix = uniqueName('test');
  const stream = prefix.toUpperCase();
  await ensureStream(jsm, { name: stream, subjects: [`${prefix}.>`] });
  defer(t, async () => {
    await pool.end();
    await database.drop();
    await jsm.streams.delete(stream).catch(() => undefined);
  });
  return { pool, url: database.url, stream, subject: `${prefix}.v1.events.thing.happened` };
}

function startRelay(t: TestContext, options: Parameters<typeof startOutboxRelay>[0]): OutboxRelay {
  const relay = startOutboxRelay({ pollIntervalMs: 200, ...options });
  defer(t, () => relay.stop());
  return relay;
}

async function streamMessages(jsm: JetStreamManager, stream: string): Promise<StoredMsg[]> {
  const info = await jsm.streams.info(stream);
  const messages: StoredMsg[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const message = await jsm.streams.getMessage(stream, { seq });
    if (message) messages.push(message);
  }
  return messages;
}

/** A logger that counts the relay's failures (each one it backs off from). */
function failureCounter(): { logger: Logger; failures: () => number } {
  let failures = 0;
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => {
      if (message === 'outbox relay failed, retrying') failures++;
    },
    error: () => undefined,
    child: () => logger,
  };
  return { logger, failures: () => failures };
}

const event = (subject: string, text: string) => ({
  type: subject,
  source: 'platform-test',
  payload: encoder.encode(text),
});

test('outbox - events appended in a rolled-back transaction are never published', { timeout: 10_000 }, async (t) => {
  const { pool, stream, subject } = await setUp(t);
  await assert.rejects(
    withTransaction(pool, async (client) => {
      await appendEvent(client, event(subject, 'rolled back'));
      throw new Error('change refused');
    }),
    /change refused/,
  );
  await withTransaction(pool, (client) => appendEvent(client, event(subject, 'committed')));
  const relay = startRelay(t, { pool, nc: bus.nc });
  await relay.drain();
  const messages = await streamMessages(bus.jsm, stream);
  assert.deepEqual(
    messages.map((m) => decoder.decode(EventEnvelope.decode(m.data).payload)),
    ['committed'],
  );
});

test('outbox - committed events are published once, in order, with Nats-Msg-Id = event id', {
  timeout: 10_000,
}, async (t) => {
  const { pool, stream, subject } = await setUp(t);
  const ids = await withTransaction(pool, async (client) => [
    await appendEvent(client, event(subject, 'one')),
    await appendEvent(client, { ...event(subject, 'two'), id: '6f1c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f', version: 2 }),
    await appendEvent(client, event(subject, 'three')),
  ]);
  const relay = startRelay(t, { pool, nc: bus.nc });
  await relay.drain();
  // The relay died between PubAck and commit: the row is published again and the stream drops the repeat.
  await pool.query('UPDATE outbox SET published_at = NULL WHERE id = $1', [ids[1]]);
  await relay.drain();

  const messages = await streamMessages(bus.jsm, stream);
  assert.deepEqual(
    messages.map((m) => m.header.get('Nats-Msg-Id')),
    ids,
  );
  const envelopes = messages.map((m) => EventEnvelope.decode(m.data));
  assert.deepEqual(
    envelopes.map((e) => e.id),
    ids,
  );
  assert.deepEqual(
    envelopes.map((e) => decoder.decode(e.payload)),
    ['one', 'two', 'three'],
  );
  assert.deepEqual(
    envelopes.map((e) => e.version),
    [1, 2, 1],
  );
  assert.ok(envelopes.every((e) => e.type === subject && e.source === 'platform-test' && e.occurredAt instanceof Date));
  assert.ok(messages.every((m) => m.subject === subject));
});

test('outbox - a failure in the middle of a batch never lets a later event overtake it', {
  timeout: 15_000,
}, async (t) => {
  const { pool, stream, subject } = await setUp(t);
  // The middle event goes to a subject no stream takes: its publish fails while the one after it is in flight.
  const nowhere = `${uniqueName('nowhere')}.v1.events.thing.happened`;
  const [, middle] = await withTransaction(pool, async (client) => [
    await appendEvent(client, event(subject, 'first')),
    await appendEvent(client, event(nowhere, 'second')),
    await appendEvent(client, event(subject, 'third')),
  ]);
  const { logger, failures } = failureCounter();
  const relay = startRelay(t, { pool, nc: bus.nc, logger });
  while (failures() < 2) await new Promise((resolve) => setTimeout(resolve, 20));
  const stuck = await streamMessages(bus.jsm, stream);
  assert.deepEqual(
    stuck.map((m) => decoder.decode(EventEnvelope.decode(m.data).payload)),
    ['first'],
    'the third event waits for the second',
  );
  assert.equal((await relayLag(pool)).unpublished, 2);

  // Once the second can be published, both follow in order.
  await pool.query('UPDATE outbox SET subject = $1 WHERE id = $2', [subject, middle]);
  await relay.drain();
  const messages = await streamMessages(bus.jsm, stream);
  assert.deepEqual(
    messages.map((m) => decoder.decode(EventEnvelope.decode(m.data).payload)),
    ['first', 'second', 'third'],
  );
});

test('outbox - another writer on the same stream neither reorders the events nor stalls the relay', {
  timeout: 30_000,
}, async (t) => {
  // transit publishes each tap's event straight to the stream its outbox relays to: messages the relay did not
  // write land between the ones of its batches.
  const { pool, stream, subject } = await setUp(t);
  const count = 400;
  const ids = await withTransaction(pool, (client) =>
    appendEvents(
      client,
      Array.from({ length: count }, (_, i) => event(subject, String(i))),
    ),
  );
  const writer = await connectBus({ servers: (await testNats()).url, name: 'platform-outbox-test-other-writer' });
  defer(t, () => writer.close());
  const otherSubject = subject.replace(/thing\.happened$/, 'other.written');
  // As transit publishes its taps' events: the platform's publisher, acknowledgements not awaited by the writer.
  const otherPublisher = new JetStreamPublisher(writer.nc);
  const otherBatches: Promise<unknown>[] = [];
  let writing = true;
  let written = 0;
  const write = (): void => {
    if (!writing) return;
    const batch = Array.from({ length: 5 }, () => ({
      subject: otherSubject,
      payload: encoder.encode('other'),
      msgId: `other-${written++}`,
    }));
    otherBatches.push(otherPublisher.publishAll(batch, 5_000));
    setImmediate(write);
  };
  write();
  const { logger, failures } = failureCounter();
  const relay = startRelay(t, { pool, nc: bus.nc, logger, batchSize: 50 });
  await relay.drain({ timeoutMs: 20_000 });
  writing = false;
  await Promise.all(otherBatches);
  otherPublisher.close();

  const messages = await streamMessages(bus.jsm, stream);
  const relayed = messages.filter((m) => m.subject === subject).map((m) => m.header.get('Nats-Msg-Id'));
  const others = messages.length - relayed.length;
  assert.ok(others > 0, 'the other writer wrote to the stream meanwhile');
  const firstRelayed = messages.findIndex((m) => m.subject === subject);
  const lastRelayed = messages.findLastIndex((m) => m.subject === subject);
  assert.ok(
    messages.slice(firstRelayed, lastRelayed).some((m) => m.subject === otherSubject),
    "the other writer's messages landed between the relay's",
  );
  assert.deepEqual(relayed, ids, "every event once, in the outbox's order");
  assert.equal(failures(), 0, 'another writer is not a failure to back off from');
});

test('outbox - two relays at once publish each event once', { timeout: 15_000 }, async (t) => {
  const { pool, stream, subject } = await setUp(t);
  const count = 300;
  await withTransaction(pool, async (client) => {
    for (let i = 0; i < count; i++) await appendEvent(client, event(subject, String(i)));
  });
  // Every publish, as the broker passed it on (a subscriber sees the ones the stream drops as duplicates too).
  const publishes = new Map<string, number>();
  const watcher = bus.nc.subscribe(subject, {
    callback: (_error, message) => {
      const id = message.headers?.get('Nats-Msg-Id') ?? '';
      publishes.set(id, (publishes.get(id) ?? 0) + 1);
    },
  });
  defer(t, () => {
    watcher.unsubscribe();
    return Promise.resolve();
  });
  const relays = [
    startRelay(t, { pool, nc: bus.nc, batchSize: 10 }),
    startRelay(t, { pool, nc: bus.nc, batchSize: 10 }),
  ];
  await Promise.all(relays.map((relay) => relay.drain()));
  await bus.nc.flush();
  assert.equal(publishes.size, count);
  assert.ok(
    [...publishes.values()].every((times) => times === 1),
    'no event published twice',
  );
  assert.equal((await bus.jsm.streams.info(stream)).state.messages, count);
});

test('outbox - a batch costs one statement: the previous batch marked, the lease renewed and the rows read', {
  timeout: 15_000,
}, async (t) => {
  const { pool, stream, subject } = await setUp(t);
  // 4 full batches and a short one, after which the relay waits (no poll for a minute, no notification).
  const count = 230;
  const batchSize = 50;
  await withTransaction(pool, async (client) => {
    for (let i = 0; i < count; i++) await appendEvent(client, event(subject, String(i)));
  });
  const statements: string[] = [];
  startRelay(t, {
    pool: countingQueries(pool, statements),
    nc: bus.nc,
    batchSize,
    pollIntervalMs: 60_000,
  });
  while ((await relayLag(pool)).unpublished > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const batches = Math.ceil(count / batchSize);
  // One statement a batch (marking the one before, renewing the lease, reading), one more that marks the last
  // batch and finds nothing, and at most one more that finds nothing: the listener wakes the relay when connected.
  const listing = `statements sent:\n${statements.join('\n')}`;
  assert.ok(statements.length >= batches + 1 && statements.length <= batches + 2, listing);
  assert.equal((await bus.jsm.streams.info(stream)).state.messages, count);
});

test("outbox - the relay's statement commits without waiting for the WAL flush, and only its own transaction", {
  timeout: 15_000,
}, async (t) => {
  const { pool } = await setUp(t);
  const client = await pool.connect();
  defer(t, () => {
    client.release();
    return Promise.resolve();
  });
  const setting = async (): Promise<string> =>
    (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit ?? '';
  // The session's own setting, whatever the server's default (a private test server may run without flushes).
  await client.query('SET synchronous_commit = on');
  await client.query('BEGIN');
  const { leader } = await markLeaseAndRead(client, {
    holder: 'relay-a',
    leaseMs: 10_000,
    batchSize: 10,
    published: [],
  });
  assert.equal(leader, true);
  assert.equal(await setting(), 'off', 'the marks and the lease commit asynchronously');
  await client.query('COMMIT');
  // The connection goes back to the pool: the service's own commits on it must still wait for the flush.
  assert.equal(await setting(), 'on');
  await markLeaseAndRead(client, { holder: 'relay-a', leaseMs: 10_000, batchSize: 10, published: [] });
  assert.equal(await setting(), 'on');
});

test('outbox - an idle relay polls by reading: no lease renewed, nothing written, until a row waits', {
  timeout: 15_000,
}, async (t) => {
  const { pool, stream, subject } = await setUp(t);
  const statements: string[] = [];
  startRelay(t, { pool: countingQueries(pool, statements), nc: bus.nc, pollIntervalMs: 20 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const idle = statements.slice(2); // the first round after start, and the listener's wake, may take the lease
  assert.ok(idle.length >= 10, `polled ${idle.length} times in 500 ms at 20 ms`);
  const writes = idle.filter((text) => !text.startsWith('SELECT EXISTS'));
  assert.deepEqual(writes, [], 'an idle poll writes nothing');
  // A row appended with no notification (the wallet's batches send none) is still found by the next poll.
  await pool.query('INSERT INTO outbox (id, subject, payload) VALUES (gen_random_uuid(), $1, $2)', [
    subject,
    Buffer.from('polled'),
  ]);
  const deadline = Date.now() + 5_000;
  while ((await bus.jsm.streams.info(stream)).state.messages === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal((await bus.jsm.streams.info(stream)).state.messages, 1);
});

test('outbox - a relay stopped mid-backlog leaves every event it published marked', { timeout: 15_000 }, async (t) => {
  const { pool, stream, subject } = await setUp(t);
  const count = 300;
  await withTransaction(pool, async (client) => {
    for (let i = 0; i < count; i++) await appendEvent(client, event(subject, String(i)));
  });
  const relay = startOutboxRelay({ pool, nc: bus.nc, batchSize: 10, pollIntervalMs: 60_000 });
  while ((await bus.jsm.streams.info(stream)).state.messages === 0)
    await new Promise((resolve) => setTimeout(resolve, 5));
  await relay.stop();
  const inStream = (await bus.jsm.streams.info(stream)).state.messages;
  assert.ok(inStream < count, 'stopped before the end of the backlog');
  assert.equal((await relayLag(pool)).unpublished, count - inStream, 'published rows are marked at the stop');
});

test('outbox - relay keeps rows while NATS is down and publishes them after it returns', {
  timeout: 15_000,
}, async (t) => {
  const server = await startNatsServer();
  const local = await connectBus({ servers: server.url, name: 'outbox-outage' });
  defer(t, async () => {
    await local.close();
    await server.stop();
  });
  const { pool, stream, subject } = await setUp(t, local.jsm);
  await server.stop();
  await withTransaction(pool, async (client) => {
    for (let i = 0; i < 5; i++) await appendEvent(client, event(subject, String(i)));
  });
  const relay = startRelay(t, { pool, nc: local.nc, publishTimeoutMs: 200 });
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal((await relayLag(pool)).unpublished, 5, 'nothing marked published while the broker is down');

  await server.restart();
  await relay.drain({ timeoutMs: 10_000 });
  const messages = await streamMessages(local.jsm, stream);
  assert.deepEqual(
    messages.map((m) => decoder.decode(EventEnvelope.decode(m.data).payload)),
    ['0', '1', '2', '3', '4'],
  );
});

test('outbox - no transaction stays open while JetStream is away, and terminated connections do not stop the relay', {
  timeout: 20_000,
}, async (t) => {
  const server = await startNatsServer();
  const local = await connectBus({ servers: server.url, name: 'outbox-terminated' });
  defer(t, async () => {
    await local.close();
    await server.stop();
  });
  const { pool, url, stream, subject } = await setUp(t, local.jsm);
  const relayPool = createPool(url, {
    max: 3,
    applicationName: 'outbox-relay-under-test',
  });
  defer(t, () => relayPool.end());
  await server.stop();
  await withTransaction(pool, async (client) => {
    for (let i = 0; i < 5; i++) await appendEvent(client, event(subject, String(i)));
  });
  const relay = startRelay(t, { pool: relayPool, nc: local.nc, publishTimeoutMs: 300 });
  const relaySessions = async (state: string): Promise<number> =>
    (
      await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE application_name = $1 AND state = $2 AND datname = current_database()`,
        ['outbox-relay-under-test', state],
      )
    ).rows[0]?.n ?? -1;
  for (let i = 0; i < 10; i++) {
    assert.equal(await relaySessions('idle in transaction'), 0, 'no relay transaction waits on the broker');
    await pool.query(
      // Only this test's database: a run of this file beside it has a relay of the same name.
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = 'outbox-relay-under-test' AND datname = current_database()`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await server.restart();
  await relay.drain({ timeoutMs: 10_000 });
  const messages = await streamMessages(local.jsm, stream);
  assert.deepEqual(
    messages.map((m) => decoder.decode(EventEnvelope.decode(m.data).payload)),
    ['0', '1', '2', '3', '4'],
  );
});

test('outbox - a stopped relay hands over at once; a relay that died is replaced when its lease lapses', {
  timeout: 20_000,
}, async (t) => {
  const { pool, subject } = await setUp(t);
  const first = startOutboxRelay({ pool, nc: bus.nc, pollIntervalMs: 100 });
  await withTransaction(pool, (client) => appendEvent(client, event(subject, 'first')));
  await first.drain();
  const second = startRelay(t, { pool, nc: bus.nc, pollIntervalMs: 100 });
  await withTransaction(pool, (client) => appendEvent(client, event(subject, 'while the first holds the lease')));
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal((await relayLag(pool)).unpublished, 0, 'the first relay still publishes');
  await first.stop();
  await withTransaction(pool, (client) => appendEvent(client, event(subject, 'after the first stopped')));
  await second.drain({ timeoutMs: 3_000 });
  // A relay that died holding the lease: the lease is still there; it is taken over once it lapses.
  await pool.query(
    "UPDATE outbox_relay_lease SET holder = 'dead relay', held_until = now() + interval '300 milliseconds'",
  );
  await withTransaction(pool, (client) => appendEvent(client, event(subject, 'after the holder died')));
  await second.drain({ timeoutMs: 5_000 });
});

test('outbox - relayLag counts unpublished rows and drain empties them', { timeout: 10_000 }, async (t) => {
  const { pool, subject } = await setUp(t);
  assert.deepEqual(await relayLag(pool), { unpublished: 0, oldestAgeMs: 0 });
  await appendEvent(pool, event(subject, 'a'));
  await appendEvent(pool, event(subject, 'b'));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const lag = await relayLag(pool);
  assert.equal(lag.unpublished, 2);
  assert.ok(lag.oldestAgeMs >= 10, `oldest age ${lag.oldestAgeMs} ms`);
  const relay = startRelay(t, { pool, nc: bus.nc, pollIntervalMs: 60_000 }); // woken by LISTEN, not by polling
  await relay.drain();
  assert.deepEqual(await relayLag(pool), { unpublished: 0, oldestAgeMs: 0 });
});

test('outbox - an append wakes the relay through LISTEN/NOTIFY', { timeout: 10_000 }, async (t) => {
  const { pool, stream, subject } = await setUp(t);
  startRelay(t, { pool, nc: bus.nc, pollIntervalMs: 60_000 });
  await new Promise((resolve) => setTimeout(resolve, 100)); // the relay is idle, waiting
  await appendEvent(pool, event(subject, 'wake up'));
  for (let i = 0; i < 100 && (await bus.jsm.streams.info(stream)).state.messages === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal((await bus.jsm.streams.info(stream)).state.messages, 1);
});

test('outbox - appendEvents writes many in one statement, in their order, and wakes the relay', {
  timeout: 10_000,
}, async (t) => {
  const { pool, stream, subject } = await setUp(t);
  startRelay(t, { pool, nc: bus.nc, pollIntervalMs: 60_000 });
  await new Promise((resolve) => setTimeout(resolve, 100)); // the relay is idle, waiting
  assert.deepEqual(await appendEvents(pool, []), []);
  const texts = ['one', 'two', 'three', 'four'];
  const ids = await withTransaction(pool, (client) =>
    appendEvents(
      client,
      texts.map((text) => event(subject, text)),
    ),
  );
  for (let i = 0; i < 100 && (await bus.jsm.streams.info(stream)).state.messages < texts.length; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const messages = await streamMessages(bus.jsm, stream);
  assert.deepEqual(
    messages.map((m) => m.header.get('Nats-Msg-Id')),
    ids,
  );
  assert.deepEqual(
    messages.map((m) => decoder.decode(EventEnvelope.decode(m.data).payload)),
    texts,
  );
  await assert.rejects(appendEvents(pool, [event(subject, 'fine'), event('has space.v1', 'x')]), /not a NATS subject/);
  assert.equal((await pool.query('SELECT 1 FROM outbox')).rowCount, texts.length, 'a refused list writes nothing');
});

test('outbox - appendEvent refuses a type that is not a subject', { timeout: 10_000 }, async (t) => {
  const { pool } = await setUp(t);
  await assert.rejects(appendEvent(pool, event('has space.v1', 'x')), /not a NATS subject/);
  await assert.rejects(appendEvent(pool, event('wallet.v1.events.*', 'x')), /not a NATS subject/);
});

test('inbox - processOnce is true only the first time per consumer', { timeout: 10_000 }, async (t) => {
  const { pool } = await setUp(t);
  assert.equal(await processOnce(pool, 'wallet-projector', 'event-1'), true);
  assert.equal(await processOnce(pool, 'wallet-projector', 'event-1'), false);
  assert.equal(await processOnce(pool, 'audit', 'event-1'), true, 'another consumer has its own record');
  await assert.rejects(
    withTransaction(pool, async (client) => {
      assert.equal(await processOnce(client, 'wallet-projector', 'event-2'), true);
      throw new Error('effect failed');
    }),
    /effect failed/,
  );
  assert.equal(await processOnce(pool, 'wallet-projector', 'event-2'), true, 'a rolled-back effect is not recorded');
});

test('consumer - handles each event once, retries failures, and follows the trace', { timeout: 15_000 }, async (t) => {
  const { pool, stream, subject } = await setUp(t);
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const caller = trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
    isRemote: false,
  });
  const ids = await context.with(caller, () =>
    withTransaction(pool, async (client) => [
      await appendEvent(client, event(subject, 'first')),
      await appendEvent(client, event(subject, 'second')),
    ]),
  );
  const relay = startRelay(t, { pool, nc: bus.nc });
  await relay.drain();

  const seen: { text: string; delivery: number; traceId: string | undefined }[] = [];
  const effects: string[] = [];
  let failOnce = true;
  const consumer = await startConsumer({
    js: bus.js,
    stream,
    durable: 'projector',
    filterSubject: subject,
    handler: async (envelope, msg) => {
      const text = decoder.decode(envelope.payload);
      seen.push({ text, delivery: msg.info.deliveryCount, traceId: trace.getActiveSpan()?.spanContext().traceId });
      if (text === 'second' && failOnce) {
        failOnce = false;
        throw new Error('transient failure');
      }
      await withTransaction(pool, async (client) => {
        if (await processOnce(client, 'projector', envelope.id)) effects.push(text);
      });
    },
  });
  defer(t, () => consumer.stop());
  for (let i = 0; i < 200 && effects.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));

  assert.deepEqual(effects, ['first', 'second']);
  assert.deepEqual(
    seen.map((s) => [s.text, s.delivery]),
    [
      ['first', 1],
      ['second', 1],
      ['second', 2],
    ],
  );
  assert.ok(
    seen.every((s) => s.traceId === traceId),
    'handlers run inside the trace of the writer',
  );
  let info = await bus.jsm.consumers.info(stream, 'projector');
  for (let i = 0; i < 100 && info.num_ack_pending > 0; i++) {
    // acks are asynchronous: wait until the server has them
    await new Promise((resolve) => setTimeout(resolve, 20));
    info = await bus.jsm.consumers.info(stream, 'projector');
  }
  assert.equal(info.num_ack_pending, 0);
  assert.equal(info.num_pending, 0);
  assert.equal(ids.length, 2);
});

test('consumer - a restarted consumer resumes where it stopped', { timeout: 15_000 }, async (t) => {
  const { pool, stream, subject } = await setUp(t);
  const relay = startRelay(t, { pool, nc: bus.nc });
  const received: string[] = [];
  const options = {
    js: bus.js,
    stream,
    durable: 'resumer',
    filterSubject: subject,
    handler: (envelope: EventEnvelope) => {
      received.push(decoder.decode(envelope.payload));
      return Promise.resolve();
    },
  };
  const waitFor = async (n: number): Promise<void> => {
    for (let i = 0; i < 200 && received.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await appendEvent(pool, event(subject, 'a'));
  await relay.drain();
  const first = await startConsumer(options);
  await waitFor(1);
  await first.stop();
  await appendEvent(pool, event(subject, 'b'));
  await relay.drain();
  const second = await startConsumer(options);
  defer(t, () => second.stop());
  await waitFor(2);
  assert.deepEqual(received, ['a', 'b']);
});

/** The real client, with each publish counted by its Nats-Msg-Id (instrumentation, not a stand-in). */
/** The pool, recording the text of every statement sent through it (`query`; `connect` would hand out a client). */
function countingQueries(pool: Pool, statements: string[]): Pool {
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property === 'connect') throw new Error('the relay checks out no client');
      if (property === 'query') {
        return (...args: Parameters<Pool['query']>) => {
          const [text] = args;
          statements.push(typeof text === 'string' ? text : String((text as { text?: unknown }).text));
          return (target.query as (...rest: unknown[]) => unknown)(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...rest: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A minimal AsyncLocalStorage context manager, so `context.with` follows awaits as the OTel SDK's does. */
function asyncContextManager(): ContextManager {
  const storage = new AsyncLocalStorage<Context>();
  const manager: ContextManager = {
    active: () => storage.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.apply(thisArg, args)),
    bind: (_ctx, target) => target,
    enable: () => manager,
    disable: () => manager,
  };
  return manager;
}
