// Transit against real identity, wallet, PostgreSQL and NATS: gates decide, taps are recorded once, fares settle
// through the wallet exactly to the capped amount, a declined fare denies the resident until a top-up pays it,
// offline uploads are taken once, and bad input gets the right status and reason and records nothing.
import { refusalOf } from '@citypass/platform/testing';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { TransitServiceService, type FareRules } from '@citypass/proto/transit/v1/transit';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { createPresentation } from '@citypass/credential';
import { ResidentApp } from '../../../test/support/resident_app.ts';
import { waitFor } from '../../wallet/test/harness.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
before(async () => {
  h = await startTransitHarness();
});
after(async () => {
  await h.stop();
});

const minute = 60_000;

async function tap(
  phone: Parameters<TransitHarness['tapPresentation']>[0],
  gateId: string,
  direction: 'in' | 'out',
  presentation = h.tapPresentation(phone),
) {
  return h.gates.tap({ presentation, gateId, direction, tappedAt: new Date(h.now()), tapId: '' });
}

async function tapCount(residentId: string): Promise<number> {
  return Number(
    (await h.db.query<{ n: string }>('SELECT count(*) AS n FROM taps WHERE resident_id = $1', [residentId])).rows[0]?.n,
  );
}

function accountMetadata(phone: Parameters<TransitHarness['tapPresentation']>[0]): Metadata {
  const metadata = new Metadata();
  metadata.set('citypass-presentation', phone.present('transit-account'));
  return metadata;
}

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

describe('what gates are refused', () => {
  test('a replayed presentation and a revoked credential are denied; nothing is recorded for them', async () => {
    const phone = await h.resident();
    const presentation = h.tapPresentation(phone);
    assert.equal((await tap(phone, 'central-g1', 'in', presentation)).decision, 'OPEN');
    assert.deepEqual(await tap(phone, 'central-g2', 'in', presentation).then((r) => [r.decision, r.reason]), [
      'DENY',
      'PRESENTATION_REPLAYED',
    ]);
    const revoked = await h.resident();
    const credentialId =
      (await h.wallet.identity.operator.getResident({ residentId: revoked.residentId })).activeCredential
        ?.credentialId ?? '';
    await h.wallet.identity.operator.revokeCredential({ credentialId, reason: 'phone stolen' });
    await waitFor(
      async () => (await tap(revoked, 'central-g1', 'in')).reason === 'CREDENTIAL_REVOKED',
      'revocation reaches transit',
    );
    const recorded = await tapCount(revoked.residentId);
    assert.deepEqual(await tap(revoked, 'central-g2', 'in').then((r) => [r.decision, r.reason]), [
      'DENY',
      'CREDENTIAL_REVOKED',
    ]);
    assert.equal(await tapCount(revoked.residentId), recorded, 'a denied tap records nothing');
    assert.equal(await tapCount(phone.residentId), 1, 'the replay recorded nothing');
  });

  test('a retried tap with the same tap id gets its first answer', async () => {
    const phone = await h.resident();
    const request = {
      presentation: h.tapPresentation(phone),
      gateId: 'harbour-g2',
      direction: 'in',
      tappedAt: new Date(h.now()),
      tapId: randomUUID(),
    };
    assert.equal((await h.gates.tap(request)).decision, 'OPEN');
    assert.equal((await h.gates.tap(request)).decision, 'OPEN');
    assert.equal(await tapCount(phone.residentId), 1);
  });

  test('malformed and oversized presentations are denied with their reason', async () => {
    const phone = await h.resident();
    const malformed = await h.gates.tap({
      presentation: 'not a presentation',
      gateId: 'central-g1',
      direction: 'in',
      tappedAt: undefined,
      tapId: '',
    });
    assert.deepEqual([malformed.decision, malformed.reason], ['DENY', 'MALFORMED_PRESENTATION']);
    const huge = await h.gates.tap({
      presentation: 'a'.repeat(10_000),
      gateId: 'central-g1',
      direction: 'in',
      tappedAt: undefined,
      tapId: '',
    });
    assert.deepEqual([huge.decision, huge.reason], ['DENY', 'PRESENTATION_TOO_LARGE']);
    const otherAudience = await h.gates.tap({
      presentation: phone.present('parking'),
      gateId: 'central-g1',
      direction: 'in',
      tappedAt: undefined,
      tapId: '',
    });
    assert.equal(otherAudience.decision, 'DENY');
    // A phone that caps its presentation at zero would otherwise ride free: the fare is unknown at the gate.
    const capped = createPresentation({
      credential: phone.credential,
      devicePrivateKey: phone.app.deviceKey.privateKey,
      audience: 'transit',
      counter: 900_000,
      nowMs: h.now(),
      amountCap: { amountMinor: 0n, currency: 'EUR' },
    });
    const cappedTap = await h.gates.tap({
      presentation: capped,
      gateId: 'central-g1',
      direction: 'in',
      tappedAt: undefined,
      tapId: '',
    });
    assert.deepEqual([cappedTap.decision, cappedTap.reason], ['DENY', 'PRESENTATION_CAPPED']);
    const cappedUpload = await h.gates.uploadTaps({
      gateId: 'central-g1',
      taps: [
        {
          tapId: randomUUID(),
          presentation: createPresentation({
            credential: phone.credential,
            devicePrivateKey: phone.app.deviceKey.privateKey,
            audience: 'transit',
            counter: 900_001,
            nowMs: h.now(),
            amountCap: { amountMinor: 0n, currency: 'EUR' },
          }),
          direction: 'in',
          tappedAt: new Date(h.now()),
          decision: 'OPEN',
          reason: '',
        },
      ],
    });
    assert.deepEqual(
      cappedUpload.rejected.map((rejected) => rejected.reason),
      ['PRESENTATION_CAPPED'],
    );
    assert.equal(await tapCount(phone.residentId), 0);
  });

  test('bad requests get gRPC errors with stable reasons and record nothing', async () => {
    const phone = await h.resident();
    const base = {
      presentation: h.tapPresentation(phone),
      gateId: 'central-g1',
      direction: 'in',
      tappedAt: new Date(h.now()),
      tapId: '',
    };
    assert.deepEqual(await refusalOf(h.gates.tap({ ...base, gateId: 'nowhere-g9' })), {
      kind: 'not_found',
      reason: 'GATE_UNKNOWN',
    });
    assert.deepEqual(await refusalOf(h.gates.tap({ ...base, direction: 'sideways' })), {
      kind: 'invalid_argument',
      reason: 'DIRECTION_INVALID',
    });
    assert.deepEqual(await refusalOf(h.gates.tap({ ...base, tappedAt: new Date(h.now() + 10 * minute) })), {
      kind: 'invalid_argument',
      reason: 'TAP_IN_FUTURE',
    });
    assert.deepEqual(await refusalOf(h.gates.tap({ ...base, tappedAt: new Date(h.now() - 10 * minute) })), {
      kind: 'invalid_argument',
      reason: 'TAP_TOO_OLD',
    });
    assert.deepEqual(await refusalOf(h.gates.tap({ ...base, tapId: 'bad id with spaces' })), {
      kind: 'invalid_argument',
      reason: 'TAP_ID_INVALID',
    });
    // Past 16,384 characters a presentation is refused at the edge (up to there, the verifier denies it as too large).
    const tooLong = { kind: 'invalid_argument', reason: 'FIELD_TOO_LONG' };
    assert.deepEqual(await refusalOf(h.gates.tap({ ...base, presentation: 'a'.repeat(16_385) })), tooLong);
    assert.deepEqual(await refusalOf(h.gates.tap({ ...base, gateId: 'g'.repeat(80_000) })), tooLong);
    const stored = {
      tapId: randomUUID(),
      presentation: 'a'.repeat(16_385),
      direction: 'in',
      tappedAt: new Date(h.now()),
      decision: 'OPEN',
      reason: '',
    };
    assert.deepEqual(await refusalOf(h.gates.uploadTaps({ gateId: 'central-g1', taps: [stored] })), tooLong);
    const large = await h.gates.uploadTaps({
      gateId: 'central-g1',
      taps: [{ ...stored, presentation: 'a'.repeat(16_384) }],
    });
    assert.deepEqual(
      large.rejected.map((rejected) => rejected.reason),
      ['PRESENTATION_TOO_LARGE'],
    );
    assert.deepEqual(await refusalOf(h.anonymous.tap(base)), { kind: 'unauthenticated', reason: 'TOKEN_MISSING' });
    assert.deepEqual(await refusalOf(h.operator.tap(base)), { kind: 'permission_denied', reason: 'SCOPE_MISSING' });
    assert.equal(await tapCount(phone.residentId), 0);
    assert.equal(
      (await h.gates.tap(base)).decision,
      'OPEN',
      'the same presentation still opens: the refusals consumed nothing',
    );
  });

  test('a gate client taps only as the gates assigned to it; operators assign them', async () => {
    const phone = await h.resident();
    const identity = h.wallet.identity;
    const other = await identity.operator.onboardService({
      idempotencyKey: randomUUID(),
      name: 'airport-gates',
      displayName: 'Airport gates',
      contactEmail: 'ops@airport.example',
      extraScopes: ['gate:airport-gates'],
      jwksJson: '',
    });
    const response = await identity.clientCredentialsToken(
      'airport-gates',
      other.clientSecret,
      'urn:citypass:transit',
      'gate:airport-gates',
    );
    const token = ((await response.json()) as { access_token: string }).access_token;
    const airport = promiseClient(TransitServiceService, h.address, { metadata: () => bearer(token) });
    try {
      const request = {
        presentation: h.tapPresentation(phone),
        gateId: 'central-g1',
        direction: 'in',
        tappedAt: undefined,
        tapId: '',
      };
      assert.deepEqual(
        await refusalOf(airport.tap(request)),
        { kind: 'permission_denied', reason: 'GATE_NOT_ASSIGNED' },
        "another fleet's gate",
      );
      assert.deepEqual(await refusalOf(airport.getGateConfig({ gateId: 'central-g1' })), {
        kind: 'permission_denied',
        reason: 'GATE_NOT_ASSIGNED',
      });
      assert.deepEqual(await refusalOf(airport.uploadTaps({ gateId: 'central-g1', taps: [] })), {
        kind: 'permission_denied',
        reason: 'GATE_NOT_ASSIGNED',
      });
      assert.deepEqual(await refusalOf(h.gates.assignGates({ clientId: 'airport-gates', gateIds: ['airport-g1'] })), {
        kind: 'permission_denied',
        reason: 'SCOPE_MISSING',
      });
      assert.deepEqual(
        await refusalOf(h.operator.assignGates({ clientId: 'airport-gates', gateIds: ['nowhere-g1'] })),
        { kind: 'not_found', reason: 'GATE_UNKNOWN' },
      );
      assert.deepEqual(await refusalOf(h.operator.assignGates({ clientId: 'Not A Client', gateIds: ['airport-g1'] })), {
        kind: 'invalid_argument',
        reason: 'CLIENT_ID_INVALID',
      });
      const assigned = await h.operator.assignGates({
        clientId: 'airport-gates',
        gateIds: ['airport-g1', 'airport-g2'],
      });
      assert.deepEqual(assigned.gates.map((gate) => gate.gateId).sort(), ['airport-g1', 'airport-g2']);
      assert.equal((await airport.tap({ ...request, gateId: 'airport-g1' })).decision, 'OPEN');
      assert.deepEqual(
        await refusalOf(h.gates.tap({ ...request, presentation: h.tapPresentation(phone), gateId: 'airport-g2' })),
        { kind: 'permission_denied', reason: 'GATE_NOT_ASSIGNED' },
        'reassigned: the first fleet no longer taps as it',
      );
      assert.equal(await tapCount(phone.residentId), 1);
    } finally {
      airport.close();
    }
  });

  test('wrong direction sequences open the gate and are priced as the fare rules say', async () => {
    const phone = await h.resident(3_000n);
    h.clockOffsetMs += 5 * minute;
    assert.equal((await tap(phone, 'central-g1', 'in')).decision, 'OPEN');
    h.clockOffsetMs += 5 * minute;
    assert.equal(
      (await tap(phone, 'central-g2', 'in')).decision,
      'OPEN',
      'a second tap-in: the first journey has no tap-out',
    );
    h.clockOffsetMs += 10 * minute;
    assert.equal((await tap(phone, 'harbour-g1', 'out')).decision, 'OPEN');
    await h.settle();
    const { journeys } = await h.anonymous.listJourneys(
      { fromServiceDate: '', toServiceDate: '' },
      { metadata: accountMetadata(phone) },
    );
    assert.deepEqual(
      journeys.map((journey) => [journey.status, journey.fareMinor]),
      [
        ['no_tap_out', 800n],
        ['complete', 290n],
      ],
    );
    assert.equal(
      await h.balance(phone),
      3_000n - 900n,
      'maximum fare for the first, zone 1 for the second: 10.90 capped at 9.00',
    );
  });

  test('a presentation used at an online gate and uploaded again by an offline gate is charged once', async () => {
    const phone = await h.resident();
    const at = h.now();
    const presentation = h.tapPresentationAt(phone, at);
    assert.equal(
      (await h.gates.tap({ presentation, gateId: 'central-g1', direction: 'in', tappedAt: new Date(at), tapId: '' }))
        .decision,
      'OPEN',
    );
    const uploaded = await h.gates.uploadTaps({
      gateId: 'university-g1',
      taps: [
        { tapId: randomUUID(), presentation, direction: 'in', tappedAt: new Date(at), decision: 'OPEN', reason: '' },
      ],
    });
    assert.deepEqual(
      uploaded.rejected.map((rejected) => rejected.reason),
      ['PRESENTATION_REPLAYED'],
      'the database refuses it across gates and instances',
    );
    assert.equal(await tapCount(phone.residentId), 1);
  });

  test('uploads: forged taps, replays across gates and taps too old are rejected with a reason; denied taps are acknowledged', async () => {
    const phone = await h.resident();
    const at = h.now() - 5 * minute;
    const good = {
      tapId: randomUUID(),
      presentation: h.tapPresentationAt(phone, at),
      direction: 'in',
      tappedAt: new Date(at),
      decision: 'OPEN',
      reason: '',
    };
    const replay = { ...good, tapId: randomUUID() };
    const forged = { ...good, tapId: randomUUID(), presentation: `${good.presentation.slice(0, -4)}AAAA` };
    const old = { ...good, tapId: randomUUID(), tappedAt: new Date(h.now() - 8 * 24 * 60 * minute) };
    const denied = { ...good, tapId: randomUUID(), decision: 'DENY', reason: 'DEBT_OUTSTANDING' };
    const result = await h.gates.uploadTaps({ gateId: 'lakeside-g1', taps: [good, replay, forged, old, denied] });
    assert.deepEqual(new Set(result.acceptedTapIds), new Set([good.tapId, denied.tapId]));
    assert.deepEqual(Object.fromEntries(result.rejected.map((rejected) => [rejected.tapId, rejected.reason])), {
      [replay.tapId]: 'PRESENTATION_REPLAYED',
      [forged.tapId]: 'PRESENTATION_SIGNATURE_INVALID',
      [old.tapId]: 'TAP_TOO_OLD',
    });
    assert.equal(await tapCount(phone.residentId), 1);
  });
});

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

describe('fare rules', () => {
  test('fare rules - only operators (transit:admin) read the versions; a gate token and no token are refused', async () => {
    assert.ok((await h.operator.listFareRules({})).versions.length > 0);
    assert.deepEqual(await refusalOf(h.gates.listFareRules({})), {
      kind: 'permission_denied',
      reason: 'SCOPE_MISSING',
    });
    assert.deepEqual(await refusalOf(h.anonymous.listFareRules({})), {
      kind: 'unauthenticated',
      reason: 'TOKEN_MISSING',
    });
  });

  test('operators add versions effective from a later day, idempotently; gates and residents cannot', async () => {
    const { versions } = await h.operator.listFareRules({});
    const current = versions.at(-1);
    assert.ok(current !== undefined);
    const today = new Date(h.now()).toISOString().slice(0, 10);
    const farFuture = `${new Date(h.now()).getUTCFullYear() + 5}-01-01`;
    const rules: FareRules = { ...current, effectiveFrom: farFuture, transferWindowMinutes: 45 };
    const key = randomUUID();
    assert.deepEqual(
      await refusalOf(
        h.operator.putFareRules({ idempotencyKey: randomUUID(), rules: { ...rules, effectiveFrom: today } }),
      ),
      { kind: 'failed_precondition', reason: 'EFFECTIVE_DATE_NOT_FUTURE' },
    );
    assert.deepEqual(await refusalOf(h.gates.putFareRules({ idempotencyKey: key, rules })), {
      kind: 'permission_denied',
      reason: 'SCOPE_MISSING',
    });
    const badCaps = { ...rules, dailyCap: { adultMinor: 99_999n, childMinor: 0n, seniorMinor: 0n, studentMinor: 0n } };
    assert.equal(
      (await refusalOf(h.operator.putFareRules({ idempotencyKey: randomUUID(), rules: badCaps }))).kind,
      'invalid_argument',
    );
    const created = await h.operator.putFareRules({ idempotencyKey: key, rules });
    assert.equal(created.rules?.version, current.version + 1);
    assert.equal((await h.operator.putFareRules({ idempotencyKey: key, rules })).rules?.version, current.version + 1);
    assert.deepEqual(
      await refusalOf(h.operator.putFareRules({ idempotencyKey: key, rules: { ...rules, maxJourneyMinutes: 90 } })),
      { kind: 'already_exists', reason: 'IDEMPOTENCY_KEY_REUSED' },
    );
    const listed = await h.operator.listFareRules({});
    assert.equal(listed.versions.length, versions.length + 1);
    assert.equal(listed.versions.at(-1)?.transferWindowMinutes, 45);
  });
});
