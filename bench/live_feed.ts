// What transit's live feed costs a tap: encoding a TapDecided and publishing it on core NATS (a buffered write the
// client flushes by itself), timed together with the flushes they cause, against the floor of publishing an empty
// message the same way. A local nats-server with a subscriber on the subject, as the console is.
//   feed: encode + publish of one tap's TapDecided (about 60 bytes), per tap
//   floor: publish of an empty message, per message
// Each round interleaves the two in 100 ms slices; each figure is the median over rounds.
// Run: ./node_modules/.bin/node bench/live_feed.ts
import { liveSubjects } from '@citypass/contracts';
import { connectBus } from '@citypass/platform/bus';
import { testNats } from '@citypass/platform/testing';
import { TapDecided } from '@citypass/proto/transit/v1/transit';
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
const bytes = TapDecided.encode(tap(0)).finish().length;
const floorUs = Number(median(floor).toFixed(2));
emit({ bench, metric: 'feed_publish', value: Number(median(feed).toFixed(2)), unit: 'us/tap', bytes, floor: floorUs });
emit({ bench, metric: 'floor_publish', value: floorUs, unit: 'us/message', ...isFloor });
await publisher.close();
await listener.close();
process.stderr.write(`(${received} messages reached the listener)\n`);
process.exit(0);
