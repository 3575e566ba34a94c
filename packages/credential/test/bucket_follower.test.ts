// The one bucket follower against a real nats-server: it loads and follows the bucket, says when it stops
// following (a broker outage), answers checks by the caller's policy meanwhile, and catches up on what changed
// while it was down.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { DomainError } from '@citypass/platform/errors';
import { startNatsServer, uniqueName } from '@citypass/platform/testing';
import { BucketFollower, revocationsFrom } from '../src/index.ts';

async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadlineMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('bucket follower - loads and follows; while the broker is down it says so, checks follow the policy, and it catches up after', {
  timeout: 40_000,
}, async () => {
  const server = await startNatsServer();
  const nc = await connect({ servers: server.url, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const bucket = uniqueName('revoked');
  const writer = await new Kvm(nc).create(bucket, { history: 1 });
  await writer.put('c-before', '2026-01-01T00:00:00.000Z');
  const changes: [live: boolean, wasLive: boolean][] = [];
  const follower = new BucketFollower({
    nc,
    open: () => new Kvm(nc).open(bucket),
    bucket,
    backoff: { initialMs: 50, maxMs: 200 },
    onChange: (live, _error, wasLive) => changes.push([live, wasLive]),
  });
  const money = revocationsFrom(follower, 'fail_closed');
  const gate = revocationsFrom(follower, 'last_known');
  try {
    assert.equal(await follower.startAndLoad(), true);
    assert.equal(money.isRevoked('c-before'), true);
    await writer.put('c-live', '2026-01-02T00:00:00.000Z');
    await eventually(() => gate.isRevoked('c-live'), 'a live revocation');

    await server.stop();
    await eventually(() => !follower.live, 'the follower noticing the outage');
    assert.throws(
      () => money.isRevoked('c-before'),
      (error: unknown) =>
        error instanceof DomainError && error.kind === 'unavailable' && error.reason === 'REVOCATIONS_UNAVAILABLE',
    );
    assert.equal(gate.isRevoked('c-before'), true, 'a gate keeps deciding on what it last knew');
    assert.equal(gate.isRevoked('c-unknown'), false);

    await server.restart();
    await eventually(() => follower.live, 'the follower following again');
    await writer.put('c-after', '2026-01-03T00:00:00.000Z');
    await writer.delete('c-before');
    await eventually(() => money.isRevoked('c-after') && !money.isRevoked('c-before'), 'changes after the outage');
    // The outage is reported as one (it had followed before).
    assert.deepEqual(changes.slice(0, 3), [
      [true, false],
      [false, true],
      [true, true],
    ]);
  } finally {
    await follower.stop();
    await nc.close();
    await server.stop();
  }
  assert.equal(follower.live, false);
});

test('bucket follower - a bucket that does not exist yet is followed once it is created', {
  timeout: 20_000,
}, async () => {
  const server = await startNatsServer();
  const nc = await connect({ servers: server.url });
  const bucket = uniqueName('deny');
  const changes: [live: boolean, wasLive: boolean][] = [];
  const follower = new BucketFollower({
    nc,
    open: () => new Kvm(nc).open(bucket),
    bucket,
    backoff: { initialMs: 50, maxMs: 100 },
    onChange: (live, _error, wasLive) => changes.push([live, wasLive]),
  });
  try {
    assert.equal(await follower.startAndLoad(300), false, 'not live before the bucket exists');
    const kv = await new Kvm(nc).create(bucket, { history: 1 });
    await kv.put('resident-1', '1');
    await eventually(() => follower.live && follower.set.isRevoked('resident-1'), 'the bucket once created');
    // Waiting for a bucket at start is not an outage: it had never been followed (services log it as a warning).
    assert.deepEqual(changes, [
      [false, false],
      [true, false],
    ]);
  } finally {
    await follower.stop();
    await nc.close();
    await server.stop();
  }
});
