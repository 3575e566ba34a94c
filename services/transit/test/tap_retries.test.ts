// Retried and repeated taps against real identity, wallet, PostgreSQL and NATS: a tap whose write fails consumes
// nothing (the database's failure is UNAVAILABLE and the retry opens), a presentation still opens one gate only,
// and a tap id is answered again only for the gate and gate client that sent it first, by any transit instance.
import { refusalOf } from '@citypass/platform/testing';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { createLogger } from '@citypass/platform/log';
import { waitFor } from '../../wallet/test/harness.ts';
import { startTransit } from '../src/server.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
before(async () => {
  h = await startTransitHarness();
});
after(async () => {
  await h.stop();
});

type Phone = Parameters<TransitHarness['tapPresentation']>[0];

async function tapCount(phone: Phone): Promise<number> {
  return Number(
    (await h.db.query<{ n: string }>('SELECT count(*) AS n FROM taps WHERE resident_id = $1', [phone.residentId]))
      .rows[0]?.n,
  );
}

function tapRequest(phone: Phone, gateId: string, presentation = h.tapPresentation(phone)) {
  return { presentation, gateId, direction: 'in', tappedAt: new Date(h.now()), tapId: randomUUID() };
}

/**
 * Runs `during` while the taps table is locked, then makes the database fail every transit statement waiting on
 * the lock by terminating its connection (as a database restart or failover would), and releases the lock.
 */
/**
 * Runs `during` while the taps table is locked; once a tap write waits on the lock, `whileBlocked` runs, then the
 * waiting session is terminated (as a failover would), so the write fails.
 */
async function withFailingTapWrites<T>(
  during: () => Promise<T>,
  whileBlocked: () => Promise<void> = () => Promise.resolve(),
): Promise<T> {
  const lock = await h.db.connect();
  try {
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE taps IN ACCESS EXCLUSIVE MODE');
    const result = during();
    const waiting =
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'transit' AND wait_event_type = 'Lock'";
    await waitFor(async () => ((await h.db.query(waiting)).rowCount ?? 0) > 0, 'a tap write waits on the lock', 20_000);
    await whileBlocked();
    await h.db.query(`SELECT pg_terminate_backend(pid) FROM (${waiting}) AS blocked`);
    return await result;
  } finally {
    await lock.query('ROLLBACK').catch(() => undefined);
    lock.release();
  }
}

describe('a tap whose write fails', () => {
  test('tap retries - a failed write answers UNAVAILABLE and consumes nothing: the retry with the same tap id and QR opens', async () => {
    const phone = await h.resident();
    const request = tapRequest(phone, 'central-g1');
    const failed = await withFailingTapWrites(() => refusalOf(h.gates.tap(request)));
    assert.deepEqual(failed, { kind: 'unavailable', reason: 'DATABASE_UNAVAILABLE' });
    assert.equal(await tapCount(phone), 0, 'nothing was recorded');
    const retried = await h.gates.tap(request);
    assert.deepEqual([retried.decision, retried.reason, retried.tapId], ['OPEN', '', request.tapId]);
    assert.equal(await tapCount(phone), 1);
  });

  test('tap retries - while a write is in flight the same QR at another gate is a replay; after the failure the retry opens', async () => {
    const phone = await h.resident();
    const request = tapRequest(phone, 'central-g1');
    let elsewhere: Awaited<ReturnType<typeof h.gates.tap>> | undefined;
    const failed = await withFailingTapWrites(
      () => refusalOf(h.gates.tap(request)),
      async () => {
        elsewhere = await h.gates.tap({ ...request, gateId: 'central-g2', tapId: randomUUID() });
      },
    );
    assert.ok(elsewhere !== undefined);
    assert.deepEqual(
      [elsewhere.decision, elsewhere.reason],
      ['DENY', 'PRESENTATION_REPLAYED'],
      'reserved while its first write runs',
    );
    assert.equal(failed.kind, 'unavailable');
    assert.equal((await h.gates.tap(request)).decision, 'OPEN');
    assert.equal(await tapCount(phone), 1);
  });

  test('tap retries - one QR tapped at two gates at once opens one of them', async () => {
    const phone = await h.resident();
    const presentation = h.tapPresentation(phone);
    const answers = await Promise.all(
      ['harbour-g1', 'harbour-g2'].map((gateId) => h.gates.tap(tapRequest(phone, gateId, presentation))),
    );
    assert.deepEqual(answers.map((answer) => [answer.decision, answer.reason]).sort(), [
      ['DENY', 'PRESENTATION_REPLAYED'],
      ['OPEN', ''],
    ]);
    assert.equal(await tapCount(phone), 1);
  });

  test('tap retries - an upload whose write fails is UNAVAILABLE and the same upload is taken afterwards', async () => {
    const phone = await h.resident();
    const at = h.now() - 60_000;
    const stored = {
      tapId: randomUUID(),
      presentation: h.tapPresentationAt(phone, at),
      direction: 'in',
      tappedAt: new Date(at),
      decision: 'OPEN',
      reason: '',
    };
    const failed = await withFailingTapWrites(() =>
      refusalOf(h.gates.uploadTaps({ gateId: 'market-g1', taps: [stored] })),
    );
    assert.deepEqual(failed, { kind: 'unavailable', reason: 'DATABASE_UNAVAILABLE' });
    assert.deepEqual((await h.gates.uploadTaps({ gateId: 'market-g1', taps: [stored] })).acceptedTapIds, [
      stored.tapId,
    ]);
    assert.equal(await tapCount(phone), 1);
  });
});

describe('a tap id belongs to the gate and gate client that used it first', () => {
  let other: PromiseClient<typeof TransitServiceService>;
  let otherToken: string;
  let second: Awaited<ReturnType<typeof startTransit>>;
  let secondGates: PromiseClient<typeof TransitServiceService>;
  before(async () => {
    const identity = h.wallet.identity;
    const fleet = await identity.operator.onboardService({
      idempotencyKey: randomUUID(),
      name: 'other-gates',
      displayName: 'Other gates',
      contactEmail: 'ops@other.example',
      extraScopes: ['gate:other-gates'],
      jwksJson: '',
      location: undefined,
    });
    const response = await identity.clientCredentialsToken(
      'other-gates',
      fleet.clientSecret,
      'urn:citypass:transit',
      'gate:other-gates',
    );
    otherToken = ((await response.json()) as { access_token: string }).access_token;
    other = promiseClient(TransitServiceService, h.address, { metadata: () => bearer(otherToken) });
    await h.operator.assignGates({
      reason: 'test setup',
      clientId: 'other-gates',
      gateIds: ['airport-g1', 'airport-g2'],
    });
    // Another transit instance on the same database: it knows the first one's taps only from the database.
    second = await startTransit(h.config, createLogger('transit-second', 'error'), { now: () => h.now() });
    secondGates = promiseClient(TransitServiceService, `127.0.0.1:${second.grpcPort}`, {
      metadata: () => bearer(h.gateToken),
    });
  });
  after(async () => {
    other.close();
    secondGates.close();
    await second.stop();
  });

  test('tap ids - a repeat from another gate or another gate client is ALREADY_EXISTS TAP_ID_REUSED; the same gate gets its first answer', async () => {
    const phone = await h.resident();
    const request = tapRequest(phone, 'central-g1');
    assert.equal((await h.gates.tap(request)).decision, 'OPEN');
    const reused = { kind: 'already_exists', reason: 'TAP_ID_REUSED' };
    assert.deepEqual(
      await refusalOf(h.gates.tap({ ...request, gateId: 'central-g2' })),
      reused,
      'another gate of the same client',
    );
    assert.deepEqual(
      await refusalOf(other.tap({ ...request, gateId: 'airport-g1' })),
      reused,
      'a gate of another client',
    );
    assert.deepEqual(await refusalOf(h.gates.tap({ ...request, direction: 'out' })), reused, 'another direction');
    assert.deepEqual(
      await refusalOf(secondGates.tap({ ...request, gateId: 'central-g2' })),
      reused,
      'another instance, another gate',
    );
    assert.equal((await h.gates.tap(request)).decision, 'OPEN', 'the same gate: its first answer');
    assert.equal(
      (await secondGates.tap(request)).decision,
      'OPEN',
      'the same gate at another instance: the recorded tap',
    );
    assert.equal(await tapCount(phone), 1);
  });

  test('tap ids - a tap id used with another presentation is refused and consumes that presentation nowhere', async () => {
    const phone = await h.resident();
    const first = tapRequest(phone, 'central-g1');
    assert.equal((await h.gates.tap(first)).decision, 'OPEN');
    const presentation = h.tapPresentation(phone);
    assert.deepEqual(await refusalOf(h.gates.tap({ ...first, presentation })), {
      kind: 'already_exists',
      reason: 'TAP_ID_REUSED',
    });
    assert.deepEqual(await refusalOf(secondGates.tap({ ...first, presentation })), {
      kind: 'already_exists',
      reason: 'TAP_ID_REUSED',
    });
    const again = await secondGates.tap({ ...first, presentation, tapId: randomUUID(), tappedAt: new Date(h.now()) });
    assert.deepEqual([again.decision, again.reason], ['OPEN', ''], 'the refused presentation is still unused');
    assert.equal(await tapCount(phone), 2);
  });

  test("tap ids - after a gate is handed to another client, that client cannot repeat the first client's tap", async () => {
    const phone = await h.resident();
    const request = tapRequest(phone, 'lakeside-g1');
    assert.equal((await h.gates.tap(request)).decision, 'OPEN');
    await h.operator.assignGates({ reason: 'test setup', clientId: 'other-gates', gateIds: ['lakeside-g1'] });
    // A fresh instance: it reads the new assignment at start and knows the tap only from the database.
    const third = await startTransit(h.config, createLogger('transit-third', 'error'), { now: () => h.now() });
    const otherAtThird = promiseClient(TransitServiceService, `127.0.0.1:${third.grpcPort}`, {
      metadata: () => bearer(otherToken),
    });
    try {
      assert.deepEqual(await refusalOf(other.tap(request)), { kind: 'already_exists', reason: 'TAP_ID_REUSED' });
      assert.deepEqual(await refusalOf(otherAtThird.tap(request)), { kind: 'already_exists', reason: 'TAP_ID_REUSED' });
    } finally {
      otherAtThird.close();
      await third.stop();
      await h.operator.assignGates({ reason: 'test setup', clientId: 'gates', gateIds: ['lakeside-g1'] });
    }
    assert.equal(await tapCount(phone), 1);
  });

  test('tap ids - an uploaded tap id is taken again only from the gate that uploaded it', async () => {
    const phone = await h.resident();
    const at = h.now() - 60_000;
    const stored = {
      tapId: randomUUID(),
      presentation: h.tapPresentationAt(phone, at),
      direction: 'in',
      tappedAt: new Date(at),
      decision: 'OPEN',
      reason: '',
    };
    assert.deepEqual((await h.gates.uploadTaps({ gateId: 'market-g1', taps: [stored] })).acceptedTapIds, [
      stored.tapId,
    ]);
    const elsewhere = await h.gates.uploadTaps({ gateId: 'market-g2', taps: [stored] });
    assert.deepEqual(
      [elsewhere.acceptedTapIds, elsewhere.rejected],
      [[], [{ tapId: stored.tapId, reason: 'TAP_ID_REUSED' }]],
    );
    const otherClient = await other.uploadTaps({ gateId: 'airport-g2', taps: [stored] });
    assert.deepEqual(otherClient.rejected, [{ tapId: stored.tapId, reason: 'TAP_ID_REUSED' }]);
    assert.deepEqual(
      (await h.gates.uploadTaps({ gateId: 'market-g1', taps: [stored] })).acceptedTapIds,
      [stored.tapId],
      'the same gate again',
    );
    assert.equal(await tapCount(phone), 1);
  });
});
