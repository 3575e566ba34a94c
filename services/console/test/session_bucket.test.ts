// The session store as deployed: on a nats-server with the deployment's users (deploy/k8s nats.conf), logged in as
// the console user with the bucket name of the console's ConfigMap, it creates the bucket and creates, reads,
// changes, renews and ends sessions; the console user still writes no other bucket or stream. And the store's own
// rules: a change made elsewhere meanwhile is kept (compare-and-set), an idle or too old session is gone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectBus, type Bus } from '@citypass/platform/bus';
import { generateKeyRingText, parseKeyRing } from '@citypass/platform/key_ring';
import { createLogger } from '@citypass/platform/log';
import {
  deployedConfigMap,
  refusal,
  refused,
  startCitypassNats,
  type Attempt,
  type CitypassNats,
} from '../../../test/support/citypass_nats.ts';
import { SessionStore, type SessionStoreOptions } from '../src/session_store.ts';

const bucketName = deployedConfigMap('base/console/configmap.yaml', 'console-config').CONSOLE_SESSION_BUCKET ?? '';
let nats: CitypassNats;
let bus: Bus;
before(async () => {
  nats = await startCitypassNats();
  bus = await connectBus({ servers: nats.url('console'), name: 'console-session-bucket-test' });
});
after(async () => {
  await bus.close();
  await nats.stop();
});

function options(now: () => number, overrides: Partial<SessionStoreOptions> = {}): SessionStoreOptions {
  return {
    bucket: bucketName,
    replicas: 1,
    ring: parseKeyRing(generateKeyRingText('t1')),
    idleMs: 60_000,
    lifetimeMs: 600_000,
    logger: createLogger('session-bucket-test', 'error'),
    now,
    ...overrides,
  };
}

test('session bucket - the console user creates the bucket and keeps sessions in it, and writes nothing else', async () => {
  assert.equal(bucketName, 'citypass_console_sessions');
  const store = await SessionStore.open(bus.js, options(Date.now));
  const session = await store.create();
  await store.change(session, (data) => {
    data.pendingFareRules = { zone: '1' };
  });
  const loaded = (await store.load(session.id)) ?? assert.fail('not loaded');
  assert.deepEqual(loaded.pendingFareRules, { zone: '1' });
  assert.equal(loaded.csrfToken, session.csrfToken);
  const renewed = await store.renew(loaded);
  assert.equal(await store.load(session.id), undefined, 'the id from before the renewal is worthless');
  assert.notEqual(renewed.csrfToken, session.csrfToken);
  assert.deepEqual((await store.load(renewed.id))?.pendingFareRules, { zone: '1' });
  await store.delete(renewed.id);
  assert.equal(await store.load(renewed.id), undefined);

  const forbidden: Attempt[] = [
    ['publish', '$KV.citypass_credential_status.forged'],
    ['publish', '$KV.citypass_transit_deny.forged'],
    ['publish', '$JS.API.STREAM.CREATE.KV_other'],
    ['publish', '$JS.API.STREAM.DELETE.KV_citypass_console_sessions'],
    ['subscribe', '$KV.citypass_console_sessions.>'],
  ];
  const allowed: Attempt[] = [
    ['publish', `$KV.${bucketName}.probe`],
    ['publish', `$JS.API.STREAM.INFO.KV_${bucketName}`],
  ];
  assert.deepEqual(await refused(nats, 'console', [...forbidden, ...allowed]), forbidden.map(refusal).sort());
});

test('session bucket - a change made meanwhile by another replica is kept; idle and too old sessions are gone', async () => {
  let nowMs = Date.now();
  const clock = (): number => nowMs;
  const ring = parseKeyRing(generateKeyRingText('t2'));
  const one = await SessionStore.open(bus.js, options(clock, { ring }));
  const two = await SessionStore.open(bus.js, options(clock, { ring }));
  const created = await one.create();
  const onOne = (await one.load(created.id)) ?? assert.fail('not loaded');
  const onTwo = (await two.load(created.id)) ?? assert.fail('not loaded');
  await two.change(onTwo, (data) => {
    data.pendingRevocation = { residentId: 'r', credentialId: 'c', reason: 'lost' };
  });
  // onOne was read before that change: its write goes on top of it, not over it.
  await one.change(onOne, (data) => {
    data.pendingFareRules = { zone: '2' };
  });
  const both = (await two.load(created.id)) ?? assert.fail('not loaded');
  assert.deepEqual(both.pendingRevocation, { residentId: 'r', credentialId: 'c', reason: 'lost' });
  assert.deepEqual(both.pendingFareRules, { zone: '2' });

  // Used within the idle timeout it lives on; left idle longer, it is gone.
  nowMs += 50_000;
  assert.ok(await one.load(created.id));
  nowMs += 50_000;
  assert.ok(await two.load(created.id), 'seen 50 s ago: still alive');
  nowMs += 60_001;
  assert.equal(await one.load(created.id), undefined);

  // However busy, a session ends at its lifetime.
  const busy = await one.create();
  for (let step = 0; step < 12; step++) {
    nowMs += 50_000;
    assert.ok(await one.load(busy.id), `alive after ${(step + 1) * 50} s`);
  }
  nowMs += 1;
  assert.equal(await two.load(busy.id), undefined);
});
