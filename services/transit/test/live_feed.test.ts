// The live views' feed: each online tap's decision and reason (never the presentation or who tapped), each offline
// tap once its upload is taken (marked offline, at its tap time), and each settlement pass's backlog, on core NATS,
// published after the gate has its answer.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { liveSubjects } from '@citypass/contracts';
import { connectBus, type Bus } from '@citypass/platform/bus';
import { SettlementBacklog, TapDecided } from '@citypass/proto/transit/v1/transit';
import { waitFor } from '../../wallet/test/harness.ts';
import { gateTaps } from './gate_taps.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
let bus: Bus;
before(async () => {
  h = await startTransitHarness();
  bus = await connectBus({ servers: h.wallet.identity.nats.url, name: 'live-feed-test' });
});
after(async () => {
  await bus.close();
  await h.stop();
});
const { tap } = gateTaps(() => h);

test('live feed - every online tap is published with its decision and reason, and nothing about the rider', async () => {
  const taps: { raw: Uint8Array; decided: TapDecided }[] = [];
  const backlogs: SettlementBacklog[] = [];
  const subscriptions = [
    bus.nc.subscribe(liveSubjects.transitTaps, {
      callback: (error, message) => {
        if (error === null) taps.push({ raw: message.data, decided: TapDecided.decode(message.data) });
      },
    }),
    bus.nc.subscribe(liveSubjects.transitSettlement, {
      callback: (error, message) => {
        if (error === null) backlogs.push(SettlementBacklog.decode(message.data));
      },
    }),
  ];
  await bus.nc.flush();
  const phone = await h.resident();
  const presentation = h.tapPresentation(phone);
  assert.equal((await tap(phone, 'central-g1', 'in', presentation)).decision, 'OPEN');
  assert.equal((await tap(phone, 'central-g2', 'in', presentation)).reason, 'PRESENTATION_REPLAYED');
  await waitFor(() => Promise.resolve(taps.length === 2), 'two taps published');
  assert.deepEqual(
    taps.map(({ decided }) => [decided.gateId, decided.stationId, decided.direction, decided.decision, decided.reason]),
    [
      ['central-g1', 'central', 'in', 'OPEN', ''],
      ['central-g2', 'central', 'in', 'DENY', 'PRESENTATION_REPLAYED'],
    ],
  );
  assert.ok(taps.every(({ decided }) => decided.decidedAt instanceof Date));
  const text = Buffer.concat(taps.map(({ raw }) => Buffer.from(raw))).toString('latin1');
  for (const secret of [phone.residentId, phone.credential.slice(0, 40), presentation.slice(-40)])
    assert.ok(!text.includes(secret), 'no rider, credential or presentation in the feed');

  await h.settle();
  await waitFor(() => Promise.resolve(backlogs.length >= 1), 'a backlog published');
  assert.equal(backlogs.at(-1)?.ridersDue, 1, 'the rider who tapped in was due');
  for (const subscription of subscriptions) subscription.unsubscribe();
});

test('live feed - offline taps appear once their upload is taken, marked offline at their tap time', async () => {
  const taps: TapDecided[] = [];
  const subscription = bus.nc.subscribe(liveSubjects.transitTaps, {
    callback: (error, message) => {
      if (error === null) taps.push(TapDecided.decode(message.data));
    },
  });
  await bus.nc.flush();
  const phone = await h.resident();
  // Stamped on the real clock, as identity's credential is; transit's runs hours ahead, so its upload is later.
  const openAtMs = Date.now();
  const deniedAtMs = openAtMs + 1_000;
  const opened = {
    tapId: randomUUID(),
    presentation: h.tapPresentationAt(phone, openAtMs),
    direction: 'in',
    tappedAt: new Date(openAtMs),
    decision: 'OPEN',
    reason: '',
  };
  const denied = {
    tapId: randomUUID(),
    presentation: '',
    direction: 'in',
    tappedAt: new Date(deniedAtMs),
    decision: 'DENY',
    reason: 'CREDENTIAL_REVOKED',
  };
  const upload = { gateId: 'harbour-g1', taps: [denied, opened] };
  assert.deepEqual((await h.gates.uploadTaps(upload)).rejected, []);
  await waitFor(() => Promise.resolve(taps.length === 2), 'two offline taps published');
  assert.deepEqual(
    taps.map((t) => [t.gateId, t.stationId, t.direction, t.decision, t.reason, t.offline, t.decidedAt?.getTime()]),
    [
      ['harbour-g1', 'harbour', 'in', 'OPEN', '', true, openAtMs],
      ['harbour-g1', 'harbour', 'in', 'DENY', 'CREDENTIAL_REVOKED', true, deniedAtMs],
    ],
    'in tap order, each at the time the gate recorded',
  );
  assert.ok(taps.every((t) => t.uploadedAt !== undefined && t.uploadedAt.getTime() > deniedAtMs));

  // The same upload again (its answer was lost): the OPEN tap is recorded already and is not published twice; the
  // DENY tap, which nothing records, is. An online tap behind it shows the feed has caught up.
  assert.equal((await h.gates.uploadTaps({ ...upload, taps: [opened] })).acceptedTapIds.length, 1);
  assert.equal((await tap(phone, 'central-g1', 'in')).decision, 'OPEN');
  await waitFor(() => Promise.resolve(taps.length === 3), 'the online tap published');
  assert.deepEqual(
    taps.slice(2).map((t) => [t.gateId, t.offline, t.uploadedAt]),
    [['central-g1', false, undefined]],
  );
  subscription.unsubscribe();
});
