// Transit against real identity, wallet, PostgreSQL and NATS: gates open at once and fares settle through the
// wallet afterwards, exactly to the capped amount; a declined fare denies the resident until a top-up pays it; an
// open journey is charged the maximum fare and corrected when its tap-out arrives.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
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
const { tap, accountMetadata } = gateTaps(() => h);

describe('gates and settlement', () => {
  test('a journey opens both gates at once and is charged its zone fare afterwards, once', async () => {
    const phone = await h.resident(2_000n);
    assert.deepEqual(await tap(phone, 'central-g1', 'in').then((r) => [r.decision, r.reason]), ['OPEN', '']);
    h.clockOffsetMs += 10 * minute;
    assert.equal((await tap(phone, 'market-g2', 'out')).decision, 'OPEN');
    assert.equal(await h.balance(phone), 2_000n, 'the gate did not wait for the wallet');
    await h.settle();
    assert.equal(await h.balance(phone), 2_000n - 350n, 'zone 1 -> 2 is 3.50');
    await h.settle();
    assert.equal(await h.balance(phone), 1_650n, 'settling again charges nothing more');
    const journeys = await h.anonymous.listJourneys(
      { fromServiceDate: '', toServiceDate: '' },
      { metadata: accountMetadata(phone) },
    );
    assert.equal(journeys.journeys.length, 1);
    assert.deepEqual(
      [
        journeys.journeys[0]?.status,
        journeys.journeys[0]?.chargedMinor,
        journeys.journeys[0]?.settlement,
        journeys.debtMinor,
      ],
      ['complete', 350n, 'settled', 0n],
    );
  });

  test('a day of journeys is charged exactly the daily cap, and cap progress says so', async () => {
    const phone = await h.resident(5_000n);
    for (let journey = 0; journey < 4; journey++) {
      h.clockOffsetMs += 20 * minute;
      assert.equal((await tap(phone, 'central-g1', 'in')).decision, 'OPEN');
      h.clockOffsetMs += 15 * minute;
      assert.equal((await tap(phone, 'airport-g1', 'out')).decision, 'OPEN');
      await h.settle();
    }
    assert.equal(await h.balance(phone), 5_000n - 900n, '4 x 4.80 capped at 9.00 a day');
    const progress = await h.anonymous.getCapProgress({}, { metadata: accountMetadata(phone) });
    assert.deepEqual(
      [progress.daily?.capMinor, progress.daily?.chargedMinor, progress.daily?.remainingMinor],
      [900n, 900n, 0n],
    );
    const holds = await h.wallet.db.query<{ captured: string }>(
      "SELECT sum(captured_minor - refunded_minor) AS captured FROM holds WHERE resident_id = $1 AND service = 'transit'",
      [phone.residentId],
    );
    assert.equal(holds.rows[0]?.captured, '900');
  });

  test('a resident with no money passes once, is denied after the declined fare, and is cleared by a top-up', async () => {
    const phone = await h.resident(0n);
    assert.equal((await tap(phone, 'harbour-g1', 'in')).decision, 'OPEN');
    h.clockOffsetMs += 5 * minute;
    assert.equal((await tap(phone, 'old-town-g1', 'out')).decision, 'OPEN');
    await h.settle();
    await waitFor(
      async () => (await tap(phone, 'old-town-g2', 'in')).reason === 'DEBT_OUTSTANDING',
      'denied at the gate',
    );
    const journeys = await h.anonymous.listJourneys(
      { fromServiceDate: '', toServiceDate: '' },
      { metadata: accountMetadata(phone) },
    );
    assert.equal(journeys.debtMinor, 290n);
    assert.equal(journeys.journeys[0]?.settlement, 'declined');
    await h.wallet.topUp(phone, 1_000n);
    await waitFor(
      async () => {
        await h.settle();
        return (await h.db.query('SELECT 1 FROM deny_list WHERE resident_id = $1', [phone.residentId])).rowCount === 0;
      },
      'debt collected after the top-up',
      10_000,
    );
    assert.equal(await h.balance(phone), 1_000n - 290n);
    await waitFor(async () => (await tap(phone, 'old-town-g2', 'in')).decision === 'OPEN', 'cleared at the gate');
  });

  test('an open journey is charged the maximum fare when its time runs out, corrected when the tap-out turns up', async () => {
    const phone = await h.resident(2_000n);
    const entryAt = h.now();
    assert.equal((await tap(phone, 'university-g1', 'in')).decision, 'OPEN');
    await h.settle();
    assert.equal(await h.balance(phone), 2_000n, 'an open journey is not charged yet');
    h.clockOffsetMs += 3 * 60 * minute;
    await h.settle();
    assert.equal(await h.balance(phone), 2_000n - 800n, 'maximum fare');
    // The exit gate was offline: its tap arrives now, 30 minutes after the entry.
    const exit = {
      tapId: randomUUID(),
      presentation: h.tapPresentationAt(phone, entryAt + 30 * minute),
      direction: 'out',
      tappedAt: new Date(entryAt + 30 * minute),
      decision: 'OPEN',
      reason: '',
    };
    const uploaded = await h.gates.uploadTaps({ gateId: 'stadium-g1', taps: [exit] });
    assert.deepEqual(uploaded.acceptedTapIds, [exit.tapId]);
    const again = await h.gates.uploadTaps({ gateId: 'stadium-g1', taps: [exit] });
    assert.deepEqual(again.acceptedTapIds, [exit.tapId], 'a repeated upload is acknowledged again');
    await h.settle();
    assert.equal(
      await h.balance(phone),
      2_000n - 350n,
      'corrected to the fare from University (zone 1) to Stadium (zone 2)',
    );
  });
});
