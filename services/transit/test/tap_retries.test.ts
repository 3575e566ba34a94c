// Retried and repeated taps against real identity, wallet, PostgreSQL and NATS: a tap whose write fails consumes
// nothing (the database's failure is UNAVAILABLE and the retry opens), and a presentation still opens one gate only.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DomainError } from '@citypass/platform/errors';
import { waitFor } from '../../wallet/test/harness.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
before(async () => {
  h = await startTransitHarness();
});
after(async () => {
  await h.stop();
});

type Phone = Parameters<TransitHarness['tapPresentation']>[0];

async function reasonOf(call: Promise<unknown>): Promise<{ kind: string; reason: string }> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof DomainError, String(error));
    return { kind: error.kind, reason: error.reason };
  }
  assert.fail('the call succeeded');
}

async function tapCount(phone: Phone): Promise<number> {
  return Number((await h.db.query<{ n: string }>('SELECT count(*) AS n FROM taps WHERE resident_id = $1', [phone.residentId])).rows[0]?.n);
}

function tapRequest(phone: Phone, gateId: string, presentation = h.tapPresentation(phone)) {
  return { presentation, gateId, direction: 'in', tappedAt: new Date(h.now()), tapId: randomUUID() };
}

/**
 * Runs `during` while the taps table is locked, then makes the database fail every transit statement waiting on
 * the lock by terminating its connection (as a database restart or failover would), and releases the lock.
 */
async function withFailingTapWrites<T>(during: () => Promise<T>): Promise<T> {
  const lock = await h.db.connect();
  try {
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE taps IN ACCESS EXCLUSIVE MODE');
    const result = during();
    const waiting = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'transit' AND wait_event_type = 'Lock'";
    await waitFor(async () => ((await h.db.query(waiting)).rowCount ?? 0) > 0, 'a tap write waits on the lock');
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
    const failed = await withFailingTapWrites(() => reasonOf(h.gates.tap(request)));
    assert.deepEqual(failed, { kind: 'unavailable', reason: 'DATABASE_UNAVAILABLE' });
    assert.equal(await tapCount(phone), 0, 'nothing was recorded');
    const retried = await h.gates.tap(request);
    assert.deepEqual([retried.decision, retried.reason, retried.tapId], ['OPEN', '', request.tapId]);
    assert.equal(await tapCount(phone), 1);
  });

  test('tap retries - while a write is in flight the same QR at another gate is a replay; after the failure the retry opens', async () => {
    const phone = await h.resident();
    const request = tapRequest(phone, 'central-g1');
    const [failed, elsewhere] = await withFailingTapWrites(async () => {
      const first = reasonOf(h.gates.tap(request));
      await waitFor(async () => ((await h.db.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'transit' AND wait_event_type = 'Lock'")).rowCount ?? 0) > 0,
      'the first write waits');
      const second = await h.gates.tap({ ...request, gateId: 'central-g2', tapId: randomUUID() });
      return [await first, second] as const;
    });
    assert.deepEqual([elsewhere.decision, elsewhere.reason], ['DENY', 'PRESENTATION_REPLAYED'], 'reserved while its first write runs');
    assert.equal(failed.kind, 'unavailable');
    assert.equal((await h.gates.tap(request)).decision, 'OPEN');
    assert.equal(await tapCount(phone), 1);
  });

  test('tap retries - one QR tapped at two gates at once opens one of them', async () => {
    const phone = await h.resident();
    const presentation = h.tapPresentation(phone);
    const answers = await Promise.all(['harbour-g1', 'harbour-g2'].map((gateId) => h.gates.tap(tapRequest(phone, gateId, presentation))));
    assert.deepEqual(answers.map((answer) => [answer.decision, answer.reason]).sort(), [['DENY', 'PRESENTATION_REPLAYED'], ['OPEN', '']]);
    assert.equal(await tapCount(phone), 1);
  });

  test('tap retries - an upload whose write fails is UNAVAILABLE and the same upload is taken afterwards', async () => {
    const phone = await h.resident();
    const at = h.now() - 60_000;
    const stored = { tapId: randomUUID(), presentation: h.tapPresentationAt(phone, at), direction: 'in', tappedAt: new Date(at), decision: 'OPEN', reason: '' };
    const failed = await withFailingTapWrites(() => reasonOf(h.gates.uploadTaps({ gateId: 'market-g1', taps: [stored] })));
    assert.deepEqual(failed, { kind: 'unavailable', reason: 'DATABASE_UNAVAILABLE' });
    assert.deepEqual((await h.gates.uploadTaps({ gateId: 'market-g1', taps: [stored] })).acceptedTapIds, [stored.tapId]);
    assert.equal(await tapCount(phone), 1);
  });
});
