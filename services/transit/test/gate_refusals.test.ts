// Transit against real identity, wallet, PostgreSQL and NATS: what gates are refused (replays, revoked credentials,
// malformed presentations, bad requests, another fleet's gates, forged or old uploads) gets the right decision, or
// status and reason, and records nothing; a retried tap gets its first answer and is recorded once.
import { refusalOf } from '@citypass/platform/testing';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { createPresentation } from '@citypass/credential';
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
const { tap, tapCount, accountMetadata } = gateTaps(() => h);

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
      location: undefined,
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
      assert.deepEqual(
        await refusalOf(
          h.gates.assignGates({ reason: 'test setup', clientId: 'airport-gates', gateIds: ['airport-g1'] }),
        ),
        {
          kind: 'permission_denied',
          reason: 'SCOPE_MISSING',
        },
      );
      assert.deepEqual(
        await refusalOf(
          h.operator.assignGates({ reason: 'test setup', clientId: 'airport-gates', gateIds: ['nowhere-g1'] }),
        ),
        { kind: 'not_found', reason: 'GATE_UNKNOWN' },
      );
      assert.deepEqual(
        await refusalOf(
          h.operator.assignGates({ reason: 'test setup', clientId: 'Not A Client', gateIds: ['airport-g1'] }),
        ),
        {
          kind: 'invalid_argument',
          reason: 'CLIENT_ID_INVALID',
        },
      );
      const assigned = await h.operator.assignGates({
        reason: 'test setup',
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
