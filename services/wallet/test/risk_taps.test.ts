// Transit's taps in the wallet's risk engine: transit publishes each tap it records on transit.v1.events.tap.recorded
// (online taps after the gate's answer, offline ones once uploaded), the wallet follows that stream, and a payment
// at a placed merchant far from the resident's last tap minutes later is stepped up for impossible travel, with the
// reason in the stored decision. A restarted wallet replays the taps of its window before it serves. Fares are
// scored at settlement at their tap-in station, against the taps before it: an honest ride settles, a copy's fare
// the engine declines puts the resident on transit's deny list with the decision an operator can look up. A
// candidate rule set's backtest learns the taps of its period from transit's stream, so a travel rule shows its
// difference there.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { transitEventSubjects } from '@citypass/contracts';
import { defaultRuleSet, type RuleSet } from '@citypass/risk';
import { DomainError } from '@citypass/platform/errors';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { createLogger } from '@citypass/platform/log';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { TapRecorded } from '@citypass/proto/transit/v1/transit';
import { WalletServiceService, type RiskDecision } from '@citypass/proto/wallet/v1/wallet';
import { startTransitHarness, type TransitHarness } from '../../transit/test/harness.ts';
import { startWallet, type RunningWallet } from '../src/server.ts';
import { gateTaps, shopPayment, type GateTaps } from './gate_taps.ts';
import { waitFor, type Phone, type ServiceClient, walletOperatorToken } from './harness.ts';

// Central and Harbour are 3 km apart, Market 5 km and Airport 18 km east of Central; the kiosk is 25 km east of
// Central, the cafe next to it.
const places =
  'station:central=0/0,station:harbour=3/0,station:market=5/0,station:airport=18/0,merchant:kiosk=25/0,merchant:cafe=0.5/0';

let h: TransitHarness;
let nc: NatsConnection;
let jsm: JetStreamManager;
let tapAt: GateTaps['tapAt'];
let tapEventOf: GateTaps['tapEventOf'];
let walletReceived: GateTaps['walletReceived'];
let operator: PromiseClient<typeof WalletServiceService>;
let kiosk: ServiceClient;
let cafe: ServiceClient;
let counter = 1_000_000;

/** A wallet following transit's taps on the harness's database, broker and clock. */
function placedWallet(port: number): Promise<RunningWallet> {
  return startWallet(
    {
      ...h.wallet.config,
      WALLET_GRPC_PORT: port,
      WALLET_COUNTS_FLUSH_MS: 50,
      WALLET_RISK_PLACES: places,
      TRANSIT_STREAM: h.config.TRANSIT_STREAM,
    },
    createLogger('wallet-test', 'error'),
    { now: () => h.now() },
  );
}

/** Starts (or restarts) the harness's wallet as a placed one, on the same port. */
async function startPlacedWallet(): Promise<void> {
  const port = h.wallet.wallet.grpcPort;
  await h.wallet.wallet.stop();
  h.wallet.wallet = await placedWallet(port);
}

before(async () => {
  h = await startTransitHarness();
  await startPlacedWallet();
  nc = await connect({ servers: h.wallet.identity.nats.url });
  jsm = await jetstreamManager(nc);
  ({ tapAt, tapEventOf, walletReceived } = gateTaps(h, jsm));
  const identity = h.wallet.identity;
  const token = await walletOperatorToken(identity);
  operator = promiseClient(WalletServiceService, h.wallet.address, { metadata: () => bearer(token) });
  kiosk = await h.wallet.service('kiosk');
  cafe = await h.wallet.service('cafe');
});
after(async () => {
  operator.close();
  await nc.close();
  await h.stop();
});

/** A payment of 5.00 (or `amountMinor`) at `shop` (through `wallet`, default the harness's), at the shared clock. */
function pay(shop: ServiceClient, phone: Phone, wallet = shop.wallet, amountMinor = 500n) {
  return wallet.authorize(shopPayment(phone, shop.name, h.now(), ++counter, amountMinor));
}

/** The step-up `call` is refused with, and its decision once stored. */
async function steppedUp(call: Promise<unknown>): Promise<RiskDecision> {
  const error = await call.then(
    () => assert.fail('the payment was approved'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof DomainError, String(error));
  assert.equal(`${error.kind}:${error.reason}`, 'permission_denied:STEP_UP_REQUIRED');
  const decisionId = /risk decision ([0-9a-f-]{36})/.exec(error.message)?.[1] ?? '';
  let decision: RiskDecision | undefined;
  await waitFor(async () => {
    decision = (await operator.getRiskDecision({ decisionId, holdId: '' }).catch(() => ({ decision: undefined })))
      .decision;
    return decision !== undefined;
  }, 'the step-up stored');
  assert.ok(decision);
  return decision;
}

test('risk taps - transit publishes a recorded tap with who, where and when, never the presentation', async () => {
  const phone = await h.resident();
  const before = h.now();
  await tapAt(phone, 'harbour-g2');
  const { tap } = await tapEventOf(phone);
  assert.equal(tap.stationId, 'harbour');
  assert.equal(tap.gateId, 'harbour-g2');
  assert.equal(tap.direction, 'in');
  assert.equal(tap.offline, false);
  assert.equal(tap.concession, 'adult');
  assert.notEqual(tap.credentialId, '');
  assert.ok((tap.tappedAt?.getTime() ?? 0) >= before);
  assert.ok(!JSON.stringify(TapRecorded.toJSON(tap)).includes(phone.credential.slice(0, 40)));
});

test('risk taps - an offline tap is published once its upload is recorded, and not again on a repeat', async () => {
  const phone = await h.resident();
  const tappedAtMs = h.now() - 10 * 60_000;
  const stored = {
    tapId: randomUUID(),
    presentation: h.tapPresentationAt(phone, tappedAtMs),
    direction: 'in',
    tappedAt: new Date(tappedAtMs),
    decision: 'OPEN',
    reason: '',
  };
  for (let upload = 0; upload < 2; upload++) {
    const { acceptedTapIds } = await h.gates.uploadTaps({ gateId: 'central-g1', taps: [stored] });
    assert.deepEqual(acceptedTapIds, [stored.tapId]);
  }
  const { tap } = await tapEventOf(phone);
  assert.equal(tap.tapId, stored.tapId);
  assert.equal(tap.offline, true);
  assert.equal(tap.tappedAt?.getTime(), tappedAtMs);
  const info = await jsm.streams.info(h.config.TRANSIT_STREAM, { subjects_filter: transitEventSubjects.tapRecorded });
  const perSubject = info.state.subjects?.[transitEventSubjects.tapRecorded] ?? 0;
  const events: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && events.length < perSubject; seq++) {
    const message = await jsm.streams.getMessage(h.config.TRANSIT_STREAM, { seq }).catch(() => undefined);
    if (message?.subject === transitEventSubjects.tapRecorded)
      events.push(TapRecorded.decode(EventEnvelope.decode(message.data).payload).tapId);
  }
  assert.equal(events.filter((tapId) => tapId === stored.tapId).length, 1);
});

test('risk taps - a payment 25 km from a tap moments before is stepped up for impossible travel', async () => {
  const traveller = await h.resident();
  const local = await h.resident();
  await tapAt(traveller, 'central-g1');
  await walletReceived(traveller);
  await tapAt(local, 'central-g2');
  await walletReceived(local);
  // Next to the station: approved.
  const { hold } = await pay(cafe, local);
  assert.equal(hold?.status, 'pending');
  const decision = await steppedUp(pay(kiosk, traveller));
  assert.equal(decision.outcome, 'step_up');
  assert.equal(decision.ruleReason, 'IMPOSSIBLE_TRAVEL');
  assert.equal(decision.reasons[0]?.ruleId, 'impossible_travel');
  // 25 km in under a minute (counted as a minute).
  assert.equal(decision.reasons[0].features.place_speed_kmh, 1_500);
  assert.equal(decision.residentId, traveller.residentId);
});

test('risk taps - a restarted wallet replays the taps of its window before it serves', async () => {
  const phone = await h.resident();
  await tapAt(phone, 'harbour-g1');
  await tapEventOf(phone);
  await startPlacedWallet();
  const decision = await steppedUp(pay(kiosk, phone));
  assert.equal(decision.ruleReason, 'IMPOSSIBLE_TRAVEL');
  // From Harbour, 22 km away.
  assert.equal(decision.reasons[0]?.features.place_speed_kmh, 1_320);
});

test('risk taps - two wallet instances follow the same taps and both step the far payment up', async () => {
  const second = await placedWallet(0);
  const kioskThere = promiseClient(WalletServiceService, `127.0.0.1:${second.grpcPort}`, {
    metadata: () => bearer(kiosk.token),
  });
  try {
    const phone = await h.resident();
    await tapAt(phone, 'central-g2');
    await walletReceived(phone, 2);
    const there = await steppedUp(pay(kiosk, phone, kioskThere));
    const here = await steppedUp(pay(kiosk, phone));
    for (const decision of [there, here]) {
      assert.equal(decision.ruleReason, 'IMPOSSIBLE_TRAVEL');
      assert.equal(decision.reasons[0]?.features.place_speed_kmh, 1_500);
    }
  } finally {
    kioskThere.close();
    await second.stop();
  }
});

test("risk taps - fares are scored at settlement at their station: an honest ride settles, a copy's far tap is declined and denied", async () => {
  const phone = await h.resident(5_000n);
  await tapAt(phone, 'central-g1');
  h.clockOffsetMs += 10 * 60_000;
  await tapAt(phone, 'market-g2', 'out');
  // The wallet learned both taps before the fare, as of its tap-in at Central, is scored.
  await walletReceived(phone);
  await h.settle();
  assert.equal(await h.balance(phone), 5_000n - 350n, 'the ride from Central to Market is charged');
  const [fareHold] = (
    await h.wallet.db.query<{ hold_id: string }>('SELECT id AS hold_id FROM holds WHERE resident_id = $1', [
      phone.residentId,
    ])
  ).rows;
  const fare = (await operator.getRiskDecision({ decisionId: '', holdId: fareHold?.hold_id ?? '' })).decision;
  assert.equal(fare?.stationId, 'central');
  // Two minutes after the tap-out at Market, the credential taps in 13 km away.
  h.clockOffsetMs += 2 * 60_000;
  await tapAt(phone, 'airport-g1');
  await walletReceived(phone);
  h.clockOffsetMs += 3 * 3_600_000;
  await h.settle();
  assert.equal(await h.balance(phone), 5_000n - 350n, 'the declined fare moved no money');
  const { entries } = await h.operator.listDenyList({ pageSize: 500, pageToken: '' });
  const denied = entries.find((entry) => entry.residentId === phone.residentId);
  assert.equal(denied?.reason, 'RISK_DECLINED');
  assert.equal(denied.debtMinor, 550n, 'the maximum fare of a journey with no tap-out, capped by the day (9.00)');
  const decision = (await operator.getRiskDecision({ decisionId: denied.riskDecisionId, holdId: '' })).decision;
  assert.equal(decision?.outcome, 'decline', 'a gate never steps up');
  assert.equal(decision.refusalReason, 'RISK_DECLINED');
  assert.equal(decision.stationId, 'airport');
  assert.ok(decision.reasons.some((reason) => reason.ruleId === 'impossible_tap'));
  await waitFor(async () => {
    const answer = await h.gates.tap({
      presentation: h.tapPresentation(phone),
      gateId: 'central-g2',
      direction: 'in',
      tappedAt: undefined,
      tapId: '',
    });
    return answer.decision !== 'OPEN' && answer.reason === 'DEBT_OUTSTANDING';
  }, 'denied at the gate');
});

test("risk taps - a backtest learns the period's taps from transit's stream: a candidate declining impossible travel differs", async () => {
  // A tap not settled yet (no fare places it in the stored decisions): only transit's stream knows it.
  const phone = await h.resident();
  await tapAt(phone, 'harbour-g2');
  await walletReceived(phone);
  await steppedUp(pay(kiosk, phone, kiosk.wallet, 777n));
  // Live steps that payment up; the candidate declines it (a score at its threshold). Its amount sets it apart from
  // the payments above, whose earlier settled fares place them without any tap.
  const travelDeclines: RuleSet = {
    ...defaultRuleSet,
    version: 'travel-declines-1',
    rules: [
      ...defaultRuleSet.rules,
      {
        id: 'travel_declines',
        version: 1,
        kind: 'score',
        when: [
          { feature: 'place_speed_kmh', op: '>', value: 150 },
          { feature: 'amount_minor', op: '==', value: 777 },
        ],
        points: 99,
        explanation: 'too far from the last tap too soon',
      },
    ],
  };
  await operator.putRiskRuleSetCandidate({ ruleSetJson: JSON.stringify(travelDeclines) });
  const report = await operator.getRiskShadowReport({});
  assert.equal(report.candidateVersion, 'travel-declines-1');
  assert.ok(report.backtestTaps >= 9, `the taps of the tests so far were learned (${report.backtestTaps})`);
  assert.deepEqual(
    { wouldDecline: report.backtest?.wouldDecline, byRule: report.backtest?.wouldDeclineByRule },
    { wouldDecline: 1, byRule: { score: 1 } },
  );
});
