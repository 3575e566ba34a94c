// Transit against real identity, wallet, PostgreSQL and NATS, after the fact: a journey made before a phone change
// is charged, a debt run up with the old phone is collected, a fare the wallet can no longer accept is written off,
// and repeated passes and calls change nothing more.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { createPresentation } from '@citypass/credential';
import { ResidentApp } from '@citypass/phone';
import { waitFor } from '../../wallet/test/harness.ts';
import { minute, gateTaps } from './gate_taps.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
before(async () => {
  h = await startTransitHarness();
});
after(async () => {
  await h.stop();
});
const { tap, tapCount } = gateTaps(() => h);

/** The resident signs in on a new phone: a new credential, and identity revokes the old one as replaced. */
async function newPhone(
  phone: Parameters<TransitHarness['tapPresentation']>[0],
): Promise<(audience: string) => string> {
  const app = new ResidentApp(h.wallet.identity.issuer);
  const token = await app.login(phone.residentId, 'resident password 1');
  const issued = await app.requestCredential(token);
  assert.equal(issued.status, 200);
  const credential =
    ((await issued.json()) as { credentials: { credential: string }[] }).credentials[0]?.credential ?? '';
  let counter = 1_000_000;
  return (audience) =>
    createPresentation({
      credential,
      devicePrivateKey: app.deviceKey.privateKey,
      audience,
      counter: ++counter,
      nowMs: h.now(),
    });
}

async function stepStatuses(residentId: string): Promise<string[]> {
  return (
    await h.db.query<{ status: string }>('SELECT status FROM settlement_steps WHERE resident_id = $1 ORDER BY seq', [
      residentId,
    ])
  ).rows.map((row) => row.status);
}

describe('after the fact: new phones, old taps, repeated passes', () => {
  // identity runs on the real clock (transit and the wallet run ahead), so these taps are stamped on the real clock
  // too, uploaded as an offline gate would: made after the credential was issued and before the new phone.
  const uploadJourney = async (phone: Parameters<TransitHarness['tapPresentation']>[0]): Promise<void> => {
    const inAt = Date.now();
    const stored = (direction: string, atMs: number) => ({
      tapId: randomUUID(),
      presentation: h.tapPresentationAt(phone, atMs),
      direction,
      tappedAt: new Date(atMs),
      decision: 'OPEN',
      reason: '',
    });
    const taps = [stored('in', inAt), stored('out', inAt + 1)];
    assert.equal(
      (await h.gates.uploadTaps({ gateId: 'central-g1', taps: [taps[0] ?? stored('in', inAt)] })).acceptedTapIds.length,
      1,
    );
    assert.equal(
      (await h.gates.uploadTaps({ gateId: 'market-g1', taps: [taps[1] ?? stored('out', inAt + 1)] })).acceptedTapIds
        .length,
      1,
    );
    // Presentation and revocation times have one-second resolution: the new phone comes a second later.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  };

  test('a journey made before the resident changed phones is still charged: a revocation applies from its time on', async () => {
    const phone = await h.resident(2_000n);
    await uploadJourney(phone);
    const present = await newPhone(phone);
    await waitFor(
      async () => (await tap(phone, 'market-g2', 'in')).reason === 'CREDENTIAL_REVOKED',
      'the old phone is refused at the gate',
    );
    await h.settle();
    assert.equal(await h.balance(phone), 2_000n - 350n, 'the journey made with the old phone is charged');
    assert.equal(
      (
        await h.gates.tap({
          presentation: present('transit'),
          gateId: 'market-g2',
          direction: 'in',
          tappedAt: undefined,
          tapId: '',
        })
      ).decision,
      'OPEN',
    );
  });

  test('revocation - a journey made milliseconds before the new phone is charged; the old phone after it is refused', async () => {
    const phone = await h.resident(2_000n);
    const app = new ResidentApp(h.wallet.identity.issuer);
    const token = await app.login(phone.residentId, 'resident password 1');
    // Early in a second, so the new phone comes within the second of the taps: a revocation time cut to the second
    // would date back to before them.
    while (Date.now() % 1000 > 100) await new Promise((resolve) => setTimeout(resolve, 5));
    const inAt = Date.now();
    const stored = (direction: string, atMs: number) => ({
      tapId: randomUUID(),
      presentation: h.tapPresentationAt(phone, atMs),
      direction,
      tappedAt: new Date(atMs),
      decision: 'OPEN',
      reason: '',
    });
    assert.equal(
      (await h.gates.uploadTaps({ gateId: 'central-g1', taps: [stored('in', inAt)] })).acceptedTapIds.length,
      1,
    );
    assert.equal(
      (await h.gates.uploadTaps({ gateId: 'market-g1', taps: [stored('out', inAt + 1)] })).acceptedTapIds.length,
      1,
    );
    assert.equal((await app.requestCredential(token)).status, 200, 'the new phone, which revokes the old credential');
    await waitFor(
      async () => (await tap(phone, 'market-g2', 'in')).reason === 'CREDENTIAL_REVOKED',
      'the old phone is refused at the gate',
    );
    const afterwards = await h.gates.uploadTaps({ gateId: 'market-g2', taps: [stored('in', Date.now())] });
    assert.deepEqual(
      afterwards.rejected.map((rejected) => rejected.reason),
      ['CREDENTIAL_REVOKED'],
      'a tap of the old phone after the change',
    );
    await h.settle();
    assert.deepEqual(await stepStatuses(phone.residentId), ['done'], 'not written off');
    assert.equal(await h.balance(phone), 2_000n - 350n, 'the journey made just before the change is charged');
  });

  test('a debt run up with the old phone is collected after a top-up and the new phone is let through again', async () => {
    const phone = await h.resident(0n);
    await uploadJourney(phone);
    await h.settle();
    const present = await newPhone(phone);
    const denied = await h.gates.tap({
      presentation: present('transit'),
      gateId: 'central-g2',
      direction: 'in',
      tappedAt: undefined,
      tapId: '',
    });
    assert.deepEqual(
      [denied.decision, denied.reason],
      ['DENY', 'DEBT_OUTSTANDING'],
      'the deny list is per resident, not per phone',
    );
    await h.wallet.topUp(phone, 500n);
    await waitFor(
      async () => {
        await h.settle();
        return (await h.db.query('SELECT 1 FROM deny_list WHERE resident_id = $1', [phone.residentId])).rowCount === 0;
      },
      'debt collected',
      10_000,
    );
    const steps = (
      await h.db.query<{ status: string; decline_reason: string | null }>(
        'SELECT status, decline_reason FROM settlement_steps WHERE resident_id = $1',
        [phone.residentId],
      )
    ).rows;
    assert.deepEqual(steps, [{ status: 'done', decline_reason: null }]);
    assert.equal(await h.balance(phone), 500n - 350n);
    assert.equal(
      (
        await h.gates.tap({
          presentation: present('transit'),
          gateId: 'central-g2',
          direction: 'in',
          tappedAt: undefined,
          tapId: '',
        })
      ).decision,
      'OPEN',
    );
  });

  test('a fare the wallet can no longer accept (past the settlement window) is written off, not held against the resident', async () => {
    const phone = await h.resident(0n);
    assert.equal((await tap(phone, 'harbour-g1', 'in')).decision, 'OPEN');
    h.clockOffsetMs += 5 * minute;
    assert.equal((await tap(phone, 'central-g1', 'out')).decision, 'OPEN');
    await h.settle();
    assert.deepEqual(await stepStatuses(phone.residentId), ['declined']);
    h.clockOffsetMs += 15 * 24 * 60 * minute;
    await h.wallet.topUp(phone, 1_000n);
    await waitFor(
      async () => {
        await h.settle();
        return (await stepStatuses(phone.residentId)).join() === 'written_off';
      },
      'written off after the top-up',
      10_000,
    );
    assert.equal(
      (await h.db.query('SELECT 1 FROM deny_list WHERE resident_id = $1', [phone.residentId])).rowCount,
      0,
      'not denied',
    );
    assert.equal(await h.balance(phone), 1_000n, 'nothing taken');
    await h.settle();
    assert.deepEqual(await stepStatuses(phone.residentId), ['written_off'], 'repricing does not ask for it again');
  });

  test('a denied rider is settled once per change, not on every pass', async () => {
    const phone = await h.resident(0n);
    assert.equal((await tap(phone, 'harbour-g1', 'in')).decision, 'OPEN');
    h.clockOffsetMs += 3 * 60 * minute; // the open journey falls due at the maximum fare
    for (let pass = 0; pass < 5; pass++) await h.settle();
    const events = await h.db.query(
      "SELECT 1 FROM outbox WHERE subject = 'transit.v1.events.deny_list.changed' AND position(convert_to($1, 'UTF8') IN payload) > 0",
      [phone.residentId],
    );
    assert.equal(events.rowCount, 1, 'one deny list event for one debt');
  });

  test('two calls of one tap at once get one answer and record one tap', async () => {
    const phone = await h.resident();
    const request = {
      presentation: h.tapPresentation(phone),
      gateId: 'harbour-g2',
      direction: 'in',
      tappedAt: new Date(h.now()),
      tapId: randomUUID(),
    };
    const answers = await Promise.all([h.gates.tap(request), h.gates.tap(request)]);
    assert.deepEqual(
      answers.map((answer) => answer.decision),
      ['OPEN', 'OPEN'],
    );
    assert.equal(await tapCount(phone.residentId), 1);
  });
});
