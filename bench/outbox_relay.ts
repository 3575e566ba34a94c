// How fast the outbox relay empties a backlog into JetStream, next to the floor of the same physical work: the
// same messages published straight to the same stream (pipelined, in batches of the relay's size, each batch
// awaited) plus one UPDATE per batch that marks the batch's rows published, as the relay marks them, without
// waiting for the WAL flush (a backlog of the same rows is written for the floor first, untimed, as for the relay).
// The relay spends the same one statement a batch (it marks the batch before, renews its lease and reads the rows;
// one more marks the last) and adds its ordering guarantee (each row but a batch's first expecting the row before
// it as the stream's last message, Nats-Expected-Last-Msg-Id). BENCH_EVENTS=20000 steadies the figure.
// Run: node bench/outbox_relay.ts (PostgreSQL and NATS as for the tests); BENCH_EVENTS sets the backlog.
import { headers as natsHeaders } from '@nats-io/transport-node';
import { connectBus, ensureStream } from '@citypass/platform/bus';
import { appendEvent, outboxMigrations, startOutboxRelay } from '@citypass/platform/outbox';
import { createPool, migrate, withTransaction } from '@citypass/platform/pg';
import { testNats, testPostgres, uniqueName } from '@citypass/platform/testing';
import { emit, smoke } from './lib.ts';

const bench = 'outbox_relay';
const events = Number(process.env.BENCH_EVENTS ?? (smoke ? 200 : 5_000));
const batchSize = 100;
const rounds = smoke ? 1 : 3;

const database = await testPostgres();
const pool = createPool(database.url, { max: 4 });
const bus = await connectBus({ servers: (await testNats()).url, name: 'bench-outbox-relay' });
const prefix = uniqueName('bench');
const stream = prefix.toUpperCase();
const subject = `${prefix}.v1.events.thing.happened`;
const payload = new Uint8Array(200);
try {
  await migrate(pool, import.meta.dirname, outboxMigrations(900));
  await ensureStream(bus.jsm, { name: stream, subjects: [`${prefix}.>`] });
  const relayRates: number[] = [];
  const floorRates: number[] = [];
  const backlog = () =>
    withTransaction(pool, async (client) => {
      for (let i = 0; i < events; i++) await appendEvent(client, { type: subject, source: 'bench', payload });
    });
  for (let round = 0; round < rounds; round++) {
    // The relay: a backlog of committed events, drained.
    await backlog();
    const relayStart = performance.now();
    const relay = startOutboxRelay({ pool, nc: bus.nc, batchSize, pollIntervalMs: 50 });
    await relay.drain({ timeoutMs: 600_000 });
    relayRates.push(events / ((performance.now() - relayStart) / 1000));
    await relay.stop();

    // The floor: the same number of messages of the same size, straight to the stream, a batch at a time, each
    // batch's rows then marked published (rows of a backlog like the relay's, under their own event ids).
    await backlog();
    const rows = (
      await pool.query<{ seq: string; id: string }>(
        'SELECT seq, id FROM outbox WHERE published_at IS NULL ORDER BY seq',
      )
    ).rows;
    if (rows.length !== events) throw new Error(`the floor found ${rows.length} unpublished rows, not ${events}`);
    const floorStart = performance.now();
    for (let sent = 0; sent < rows.length; sent += batchSize) {
      const batchRows = rows.slice(sent, sent + batchSize);
      const batch = batchRows.map((row) => {
        const headers = natsHeaders();
        headers.set('traceparent', '00-00000000000000000000000000000001-0000000000000001-01');
        return bus.js.publish(subject, payload, { msgID: row.id, headers });
      });
      await Promise.all(batch);
      // Without waiting for the WAL flush, in its own transaction only, as the relay marks (relay_lease.ts).
      await pool.query(
        `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
         UPDATE outbox SET published_at = now() FROM async_commit WHERE seq = ANY($1::bigint[])`,
        [batchRows.map((row) => row.seq)],
      );
    }
    floorRates.push(events / ((performance.now() - floorStart) / 1000));
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;
  const relayRate = median(relayRates);
  const floorRate = median(floorRates);
  emit({
    bench,
    metric: 'relay_events_per_s',
    value: Math.round(relayRate),
    unit: 'events/s',
    floor: Math.round(floorRate),
    events,
    batch: batchSize,
    rounds,
  });
} finally {
  await bus.jsm.streams.delete(stream).catch(() => undefined);
  await bus.close();
  await pool.end();
  await database.drop();
}
