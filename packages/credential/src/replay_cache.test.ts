import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplayCache, type AcceptedPresentation } from './replay_cache.ts';
import { assertRejects } from './test_fixtures.ts';

const t0 = 1_000_000;
const accepted = (
  nonce: string,
  counter: number,
  counterKey = 'device-a',
  expiresAtMs = t0 + 30_000,
): AcceptedPresentation => ({
  nonce,
  expiresAtMs,
  counterKey,
  counter,
});

test('replay cache - the same nonce twice is PRESENTATION_REPLAYED', async () => {
  const cache = new ReplayCache();
  cache.checkAndRecord(accepted('n1', 1), t0);
  await assertRejects(
    () => {
      cache.checkAndRecord(accepted('n1', 2, 'device-b'), t0);
    },
    'unauthenticated',
    'PRESENTATION_REPLAYED',
  );
});

test('replay cache - a counter not above the last accepted one is COUNTER_NOT_INCREASING', async () => {
  const cache = new ReplayCache();
  cache.checkAndRecord(accepted('n1', 5), t0);
  await assertRejects(
    () => {
      cache.checkAndRecord(accepted('n2', 5), t0);
    },
    'unauthenticated',
    'COUNTER_NOT_INCREASING',
  );
  await assertRejects(
    () => {
      cache.checkAndRecord(accepted('n3', 4), t0);
    },
    'unauthenticated',
    'COUNTER_NOT_INCREASING',
  );
  cache.checkAndRecord(accepted('n4', 6), t0);
  cache.checkAndRecord(accepted('n5', 0, 'device-b'), t0);
});

test('replay cache - a rejected presentation records nothing', () => {
  const cache = new ReplayCache();
  cache.checkAndRecord(accepted('n1', 5), t0);
  assert.throws(() => {
    cache.checkAndRecord(accepted('n2', 3), t0);
  });
  assert.equal(cache.nonceCount, 1);
  cache.checkAndRecord(accepted('n2', 6), t0);
});

test('replay cache - a nonce is remembered until exp plus skew, then forgotten', () => {
  const cache = new ReplayCache({ clockSkewMs: 5_000 });
  cache.checkAndRecord(accepted('n1', 1), t0);
  assert.throws(() => {
    cache.checkAndRecord(accepted('n1', 2), t0 + 34_999);
  }, /already used/);
  cache.checkAndRecord(accepted('n2', 3), t0 + 35_000);
  assert.equal(cache.nonceCount, 1);
});

test('replay cache - a device counter outlives its nonce by the longest presentation lifetime', async () => {
  const cache = new ReplayCache({ clockSkewMs: 5_000 });
  cache.checkAndRecord(accepted('n1', 9), t0);
  await assertRejects(
    () => {
      cache.checkAndRecord(accepted('n2', 8, 'device-a', t0 + 120_000), t0 + 94_999);
    },
    'unauthenticated',
    'COUNTER_NOT_INCREASING',
  );
  cache.checkAndRecord(accepted('n3', 8, 'device-a', t0 + 150_000), t0 + 95_000);
  assert.equal(cache.counterCount, 1);
});

test('replay cache - full of unexpired nonces it refuses with REPLAY_CACHE_FULL instead of forgetting', async () => {
  const cache = new ReplayCache({ maxEntries: 3, clockSkewMs: 5_000 });
  for (const index of [1, 2, 3]) cache.checkAndRecord(accepted(`n${index}`, index, 'device-a', t0 + index * 1_000), t0);
  await assertRejects(
    () => {
      cache.checkAndRecord(accepted('n4', 4), t0);
    },
    'resource_exhausted',
    'REPLAY_CACHE_FULL',
  );
  await assertRejects(
    () => {
      cache.checkAndRecord(accepted('n1', 9), t0);
    },
    'unauthenticated',
    'PRESENTATION_REPLAYED',
  );
  cache.checkAndRecord(accepted('n4', 4), t0 + 6_000);
  assert.equal(cache.nonceCount, 3);
});

test('replay cache - full of live device counters it refuses a new device with REPLAY_CACHE_FULL', async () => {
  const cache = new ReplayCache({ maxEntries: 2, clockSkewMs: 5_000 });
  cache.checkAndRecord(accepted('n1', 1, 'device-1', t0 + 1_000), t0);
  cache.checkAndRecord(accepted('n2', 1, 'device-2', t0 + 1_000), t0);
  await assertRejects(
    () => {
      cache.checkAndRecord(accepted('n3', 1, 'device-3'), t0 + 10_000);
    },
    'resource_exhausted',
    'REPLAY_CACHE_FULL',
  );
  cache.checkAndRecord(accepted('n4', 2, 'device-1'), t0 + 10_000);
  cache.checkAndRecord(accepted('n3', 1, 'device-3'), t0 + 66_000);
  assert.equal(cache.counterCount, 2);
});

test('replay cache - entries expiring out of insertion order are all evicted on time', () => {
  const cache = new ReplayCache({ clockSkewMs: 0 });
  const expiries = [50, 10, 40, 20, 30, 60];
  expiries.forEach((offsetMs, index) => {
    cache.checkAndRecord(accepted(`n${index}`, index, `device-${index}`, t0 + offsetMs), t0);
  });
  cache.checkAndRecord(accepted('probe', 0, 'device-probe', t0 + 100), t0 + 35);
  assert.equal(cache.nonceCount, 4);
});

test('replay cache - a released presentation may be presented again, its device counter back where it was', async () => {
  const cache = new ReplayCache();
  cache.checkAndRecord(accepted('n1', 1), t0);
  cache.checkAndRecord(accepted('n2', 2), t0);
  cache.release(accepted('n2', 2));
  assert.equal(cache.nonceCount, 1);
  cache.checkAndRecord(accepted('n2', 2), t0);
  await assertRejects(
    () => {
      cache.checkAndRecord(accepted('n2', 2), t0);
    },
    'unauthenticated',
    'PRESENTATION_REPLAYED',
  );
  cache.release(accepted('n0', 0, 'device-b'));
  cache.release(accepted('n1', 9));
  await assertRejects(
    () => {
      cache.checkAndRecord(accepted('n1', 1), t0);
    },
    'unauthenticated',
    'PRESENTATION_REPLAYED',
  );
});

test('replay cache - releasing the first presentation of a device forgets its counter; a later one accepted meanwhile stands', async () => {
  const cache = new ReplayCache();
  cache.checkAndRecord(accepted('n1', 7), t0);
  cache.release(accepted('n1', 7));
  cache.checkAndRecord(accepted('n1', 7), t0);
  cache.checkAndRecord(accepted('n2', 8), t0);
  cache.release(accepted('n1', 7));
  await assertRejects(
    () => {
      cache.checkAndRecord(accepted('n1', 7), t0);
    },
    'unauthenticated',
    'COUNTER_NOT_INCREASING',
  );
});

test('replay cache - a nonce released and accepted again later is kept until its own time', async () => {
  const cache = new ReplayCache({ clockSkewMs: 0 });
  cache.checkAndRecord(accepted('n1', 1, 'device-a', t0 + 1_000), t0);
  cache.release(accepted('n1', 1, 'device-a', t0 + 1_000));
  cache.checkAndRecord(accepted('n1', 1, 'device-a', t0 + 5_000), t0);
  await assertRejects(
    () => {
      cache.checkAndRecord(accepted('n1', 2), t0 + 2_000);
    },
    'unauthenticated',
    'PRESENTATION_REPLAYED',
  );
});
