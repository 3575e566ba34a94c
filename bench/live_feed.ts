// What transit's live feed costs a tap: encoding a TapDecided and publishing it on core NATS (a buffered write the
// client flushes by itself), timed together with the flushes they cause, against the floor of publishing an empty
// message the same way. A local nats-server with a subscriber on the subject, as the console is.
//   feed: encode + publish of one tap's TapDecided (about 60 bytes), per tap
//   floor: publish of an empty message, per message
// Each round interleaves the two in 100 ms slices; each figure is the median over rounds.
// The same for the event of each recorded tap the wallet's risk engine follows (services/transit/src/bus/
// tap_events.ts): encoding TapRecorded in its envelope and publishing it to JetStream with its Nats-Msg-Id, the
// acknowledgements waited for in batches of 64 taps, as a busy gate path would have them in flight:
//   tap_event: one tap's event published and acknowledged, per tap
//   floor: an empty JetStream publish with a message id, acknowledged the same way, per message
// Run: ./node_modules/.bin/node bench/live_feed.ts
import { liveSubjects } from '@citypass/contracts';
import { randomUUID } from 'node:crypto';
import { connectBus, ensureStream } from '@citypass/platform/bus';
import { createLogger } from '@citypass/platform/log';
import { testNats } from '@citypass/platform/testing';
import { TapDecided } from '@citypass/proto/transit/v1/transit';
import { jetStreamTapEvents } from '../services/transit/src/bus/tap_events.ts';
import type { TapRecord } from '../services/transit/src/app/transit_store.ts';
import { emit, isFloor, median, timedLoop } from './lib.ts';

const bench = 'live_feed';
const rounds = 7;
const sliceMs = 100;

const nats = await testNats();
const publisher = await connectBus({ servers: nats.url, name: 'bench-transit' });
const listener = await connectBus({ servers: nats.url, name: 'bench-console' });
let received = 0;
listener.nc.subscribe(liveSubjects.transitTaps, {
  callback: () => {
    received++;
  },
});
listener.nc.subscribe('bench.floor', {
  callback: () => {
    received++;
  },
});
await listener.nc.flush();

const tap = (index: number): TapDecided => ({
  gateId: `central-g${index % 8}`,
  stationId: 'central',
  direction: index % 2 === 0 ? 'in' : 'out',
  decision: index % 10 === 0 ? 'DENY' : 'OPEN',
  reason: index % 10 === 0 ? 'CREDENTIAL_REVOKED' : '',
  decidedAt: new Date(),
  offline: false,
  uploadedAt: undefined,
});
const empty = new Uint8Array(0);

async function perMessageUs(step: (index: number) => void): Promise<number> {
  const started = performance.now();
  const loop = timedLoop(sliceMs, 1_000_000, step);
  await publisher.nc.flush();
  return ((performance.now() - started) * 1000) / loop.ops;
}

const feed: number[] = [];
const floor: number[] = [];
for (let round = 0; round < rounds; round++) {
  feed.push(
    await perMessageUs((index) => {
      publisher.nc.publish(liveSubjects.transitTaps, TapDecided.encode(tap(index)).finish());
    }),
  );
  floor.push(
    await perMessageUs(() => {
      publisher.nc.publish('bench.floor', empty);
    }),
  );
}
await ensureStream(publisher.jsm, {
  name: 'BENCH_TRANSIT_EVENTS',
  subjects: ['transit.v1.events.>', 'bench.js.>'],
  maxAgeMs: 600_000,
});
const tapEvents = jetStreamTapEvents(publisher, new Map(), createLogger('bench-transit', 'warn'));
const residentId = randomUUID();
const credentialId = randomUUID();
const recorded = (index: number): TapRecord => ({
  id: randomUUID(),
  gateId: `central-g${index % 8}`,
  gateClient: 'gates',
  stationId: 'central',
  direction: index % 2 === 0 ? 'in' : 'out',
  tappedAtMs: Date.now(),
  residentId,
  credentialId,
  concession: 'adult',
  presentationNonce: '',
  presentation: '',
  source: 'online',
  traceContext: {},
});
const eventBatch = 64;

/** Wall time and this process's CPU time (user + system) per event, in microseconds. */
async function perEventUs(
  step: (index: number) => void,
  settle: () => Promise<unknown>,
): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let ops = 0;
  while (performance.now() - started < sliceMs) {
    for (let index = 0; index < eventBatch; index++) step(ops++);
    await settle();
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { wall: ((performance.now() - started) * 1000) / ops, cpu: (cpu.user + cpu.system) / ops };
}

const events: { wall: number; cpu: number }[] = [];
const eventFloor: { wall: number; cpu: number }[] = [];
for (let round = 0; round < rounds; round++) {
  events.push(
    await perEventUs(
      (index) => {
        tapEvents.recorded([recorded(index)]);
      },
      () => tapEvents.idle(),
    ),
  );
  let pending: Promise<unknown>[] = [];
  eventFloor.push(
    await perEventUs(
      () => {
        pending.push(publisher.js.publish('bench.js.floor', empty, { msgID: randomUUID() }));
      },
      async () => {
        await Promise.all(pending);
        pending = [];
      },
    ),
  );
}
const medianOf = (samples: { wall: number; cpu: number }[], key: 'wall' | 'cpu'): number =>
  Number(median(samples.map((sample) => sample[key])).toFixed(2));
for (const key of ['wall', 'cpu'] as const) {
  const floor = medianOf(eventFloor, key);
  const what = key === 'wall' ? 'publish' : 'publisher_cpu';
  emit({
    bench,
    metric: `tap_event_${what}`,
    value: medianOf(events, key),
    unit: 'us/tap',
    floor,
    in_flight: eventBatch,
  });
  emit({ bench, metric: `floor_jetstream_${what}`, value: floor, unit: 'us/message', ...isFloor });
}
const bytes = TapDecided.encode(tap(0)).finish().length;
const floorUs = Number(median(floor).toFixed(2));
emit({ bench, metric: 'feed_publish', value: Number(median(feed).toFixed(2)), unit: 'us/tap', bytes, floor: floorUs });
emit({ bench, metric: 'floor_publish', value: floorUs, unit: 'us/message', ...isFloor });
await publisher.close();
await listener.close();
process.stderr.write(`(${received} messages reached the listener)\n`);
process.exit(0);
