// What shared sessions cost a console request: loading a signed-in operator's session from the NATS KV bucket
// (a get and an AES-256-GCM open of about 3 KB: three access tokens and a refresh token) against the floor of the
// bare KV get of the same entry, and a change (get, open, seal, conditional put) as a dangerous action or a token
// refresh makes. A local nats-server, one connection, sequential; then loads with 32 in flight.
//   load, get floor, change: p50 and p99 per operation (µs)
//   open: the decryption and JSON parse alone, per load (µs)
//   load with 32 in flight: loads per second
// Run: ./node_modules/.bin/node bench/console_sessions.ts
import { randomBytes } from 'node:crypto';
import { Kvm } from '@nats-io/kv';
import { unscoped } from '@citypass/contracts';
import { connectBus } from '@citypass/platform/bus';
import { generateKeyRingText, parseKeyRing } from '@citypass/platform/key_ring';
import { createLogger } from '@citypass/platform/log';
import { testNats } from '@citypass/platform/testing';
import { contextOf, keyOf, SessionStore } from '../services/console/src/session_store.ts';
import { emit, isFloor, median, percentile, smoke, timedLoop } from './lib.ts';

const bench = 'console_sessions';
const operations = smoke ? 20 : 2_000;
const inFlight = 32;

const nats = await testNats();
const bus = await connectBus({ servers: nats.url, name: 'bench-console-sessions' });
const bucket = `bench_console_sessions_${randomBytes(4).toString('hex')}`;
const ring = parseKeyRing(generateKeyRingText('bench'));
const store = await SessionStore.open(bus.js, {
  bucket,
  replicas: 1,
  ring,
  idleMs: 30 * 60_000,
  lifetimeMs: 12 * 3_600_000,
  logger: createLogger('bench', 'error'),
});
const jwtLike = (): string => randomBytes(660).toString('base64url');
const held = () => ({ token: jwtLike(), expiresAtMs: Date.now() + 300_000, scope: 'identity:admin transit:admin' });
const session = await store.create();
await store.change(session, (data) => {
  data.signedIn = {
    subject: 'operator:bench',
    username: 'bench',
    roles: ['admin'],
    scope: unscoped,
    authTimeMs: Date.now(),
    refreshToken: randomBytes(32).toString('base64url'),
    tokens: { 'urn:citypass:identity': held(), 'urn:citypass:transit': held(), 'urn:citypass:wallet': held() },
  };
});
const kv = await new Kvm(bus.js).open(bucket);
const key = keyOf(session.id);
const sealed = (await kv.get(key))?.value ?? new Uint8Array();

async function timed(step: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < operations; index++) {
    const started = performance.now();
    await step();
    samples.push((performance.now() - started) * 1000);
  }
  return samples;
}

const loads = await timed(() => store.load(session.id));
const gets = await timed(() => kv.get(key));
const changes = await timed(() => store.change(session, (data) => void (data.lastSeenMs = Date.now())));
const noPutFloor = { floor: null, floor_missing: 'no bare compare-and-set put is measured' } as const;
for (const [quantile, of] of [
  ['p50', median],
  ['p99', (samples: number[]) => percentile(samples, 99)],
] as const) {
  const floor = Math.round(of(gets));
  emit({ bench, metric: `load_${quantile}`, value: Math.round(of(loads)), unit: 'us', ops: loads.length, floor });
  emit({ bench, metric: `get_floor_${quantile}`, value: floor, unit: 'us', ops: gets.length, ...isFloor });
  emit({
    bench,
    metric: `change_${quantile}`,
    value: Math.round(of(changes)),
    unit: 'us',
    ops: changes.length,
    ...noPutFloor,
  });
}
const context = contextOf(session.id);
const opens = timedLoop(smoke ? 20 : 500, 1_000_000, () => {
  JSON.parse(ring.open(sealed, context).toString('utf8'));
});
emit({
  bench,
  metric: 'open',
  value: Math.round((opens.elapsedMs * 1000) / opens.ops),
  unit: 'us',
  bytes: sealed.length,
  floor: null,
  floor_missing: 'a CPU step of load (AES-256-GCM open and JSON.parse), itself part of what load costs over its floor',
});

const started = performance.now();
let done = 0;
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (done < operations) {
      done++;
      await store.load(session.id);
    }
  }),
);
emit({
  bench,
  metric: 'load_in_flight',
  value: Math.round((done * 1000) / (performance.now() - started)),
  unit: 'ops/s',
  inFlight,
  floor: null,
  floor_missing: 'no bare bucket read is run with this many in flight',
});

await kv.destroy();
await bus.close();
