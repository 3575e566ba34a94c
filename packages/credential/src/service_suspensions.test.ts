import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identityReasons } from '@citypass/contracts';
import { isDomainError } from '@citypass/platform/errors';
import { ServiceSuspensions } from './service_suspensions.ts';

const suspended = (atMs: number, sequence: number) => ({ service: 'parking', suspended: true, atMs, sequence });
const resumed = (atMs: number, sequence: number) => ({ service: 'parking', suspended: false, atMs, sequence });

test('service suspensions - suspend refuses with SERVICE_SUSPENDED, resume lets the service through again', () => {
  const set = new ServiceSuspensions();
  set.assertActive('parking');
  assert.equal(set.apply(suspended(1_000, 1)), true);
  assert.throws(
    () => {
      set.assertActive('parking');
    },
    (error: unknown) =>
      isDomainError(error) && error.kind === 'permission_denied' && error.reason === identityReasons.SERVICE_SUSPENDED,
  );
  set.assertActive('bike-share');
  assert.equal(set.apply(resumed(2_000, 2)), true);
  set.assertActive('parking');
  assert.equal(set.size, 0);
});

test('service suspensions - a change delivered again, or after a later one, changes nothing', () => {
  const set = new ServiceSuspensions();
  set.apply(suspended(1_000, 1));
  set.apply(resumed(2_000, 2));
  assert.equal(set.apply(suspended(1_000, 1)), false, 'the same suspension delivered twice');
  assert.equal(set.apply(suspended(1_000, 1)), false);
  assert.equal(set.isSuspended('parking'), false);
  assert.equal(set.apply(resumed(2_000, 2)), false, 'the same resumption again');
  // The resumption arrives before the suspension it follows (another replay order): the suspension stays older.
  const other = new ServiceSuspensions();
  other.apply(resumed(2_000, 7));
  assert.equal(other.apply(suspended(1_000, 9)), false, 'older by event time, although later in the stream');
  assert.equal(other.isSuspended('parking'), false);
});

test('service suspensions - two changes in the same millisecond are ordered by stream sequence', () => {
  const set = new ServiceSuspensions();
  set.apply(resumed(5_000, 4));
  assert.equal(set.apply(suspended(5_000, 3)), false);
  assert.equal(set.apply(suspended(5_000, 5)), true);
  assert.equal(set.isSuspended('parking'), true);
});
