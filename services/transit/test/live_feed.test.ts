// The live views' feed: each online tap's decision and reason (never the presentation or who tapped) and each
// settlement pass's backlog, on core NATS, published after the gate has its answer.
import assert from 'node:assert/strict';
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
