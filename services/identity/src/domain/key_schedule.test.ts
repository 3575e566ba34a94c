import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planKeys } from './key_schedule.ts';

const day = 24 * 3600 * 1000;
const policy = { rotationMs: 90 * day, activationDelayMs: 1 * day, overlapMs: 31 * day };

test('key schedule - no key at all asks for one active now', () => {
  const plan = planKeys([], 0, policy);
  assert.equal(plan.signer, undefined);
  assert.equal(plan.create, 'now');
});

test('key schedule - a fresh key signs and nothing is due', () => {
  const plan = planKeys([{ kid: 'a', activatesAtMs: 0 }], 10 * day, policy);
  assert.equal(plan.signer?.kid, 'a');
  assert.deepEqual(
    plan.published.map((k) => k.kid),
    ['a'],
  );
  assert.equal(plan.create, undefined);
});

test('key schedule - the successor is due one activation delay before the rotation age', () => {
  assert.equal(planKeys([{ kid: 'a', activatesAtMs: 0 }], 89 * day - 1, policy).create, undefined);
  assert.equal(planKeys([{ kid: 'a', activatesAtMs: 0 }], 89 * day, policy).create, 'next');
});

test('key schedule - an upcoming key is published but does not sign', () => {
  const keys = [
    { kid: 'a', activatesAtMs: 0 },
    { kid: 'b', activatesAtMs: 90 * day },
  ];
  const plan = planKeys(keys, 89.5 * day, policy);
  assert.equal(plan.signer?.kid, 'a');
  assert.deepEqual(
    plan.published.map((k) => k.kid),
    ['a', 'b'],
  );
  assert.equal(plan.create, undefined);
});

test('key schedule - a superseded key stays published for the overlap, then is dropped', () => {
  const keys = [
    { kid: 'a', activatesAtMs: 0 },
    { kid: 'b', activatesAtMs: 90 * day },
  ];
  assert.deepEqual(
    planKeys(keys, 90 * day, policy).published.map((k) => k.kid),
    ['b', 'a'],
  );
  assert.deepEqual(
    planKeys(keys, 121 * day - 1, policy).published.map((k) => k.kid),
    ['b', 'a'],
  );
  assert.deepEqual(
    planKeys(keys, 121 * day, policy).published.map((k) => k.kid),
    ['b'],
  );
});
