// Two wallet instances on one database and one nats-server agree on the risk engine's state (issue 13): each
// publishes the outcomes it records on WALLET_RISK_OUTCOMES and applies the other's (bus/risk_outcomes.ts). A burst
// split across the two is declined where one instance alone would decline it; an instance restarted mid-way
// rebuilds to the same features as the one that kept running; an outcome delivered twice is applied once; the span of
// an applied outcome links to the request that recorded it.
// First: the wallet's instruments are made as its modules load.
import { counterValues } from './metric_reader.ts';
import assert from 'node:assert/strict';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { walletRequestSubjects, walletRiskSubjects } from '@citypass/contracts';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { request } from '@citypass/platform/bus';
import { promiseClient, bearer, type PromiseClient } from '@citypass/platform/grpc';
import { createLogger } from '@citypass/platform/log';
import { outcomeOf } from '@citypass/platform/testing';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { RiskOutcomesRecorded } from '@citypass/proto/wallet/v1/risk_outcomes';
import { ChargeRequest, WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { verifiedPaymentFacts, defaultRuleSet, feature, type RiskEvent, type RuleSet } from '@citypass/risk';
import { riskEventToJson } from '../src/domain/risk_event_json.ts';
import { shareDelayMs } from '../src/bus/risk_outcomes.ts';
import { riskRuleSetStore } from '../src/store/risk_rule_sets.ts';
import { startWallet, type RunningWallet } from '../src/server.ts';
import { startWalletHarness, waitFor, type Phone, type ServiceClient, type WalletHarness } from './harness.ts';

// Both wallets run in this process: their spans are kept in memory, their NATS handlers read the traceparent.
const spans = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }));

/** The built-in rules and one more: three payments in ten minutes make the fourth a decline (80 points). */
const burstDeclines: RuleSet = {
  ...defaultRuleSet,
  version: 'burst-declines-1',
  rules: [
    ...defaultRuleSet.rules,
    {
      id: 'test_burst',
      version: 1,
      kind: 'score',
      when: [{ feature: 'recent_events_10min', op: '>=', value: 3 }],
      points: 80,
      explanation: 'a burst',
    },
  ],
};

let h: WalletHarness;
let second: RunningWallet;
let shop: ServiceClient;
/** The shop's token on the second instance. */
let shop2: PromiseClient<typeof WalletServiceService>;
let nc: NatsConnection;

before(async () => {
  h = await startWalletHarness({ WALLET_RISK: 'on', WALLET_COUNTS_FLUSH_MS: '50', WALLET_RISK_RULES_POLL_MS: '50' });
  const rules = riskRuleSetStore(h.db);
  await rules.putCandidate(burstDeclines, 'test', 'test', new Date());
  await rules.promote(burstDeclines.version, 'test', 'test', new Date(), () => undefined);
  await waitFor(
    () => Promise.resolve(h.wallet.riskEngine?.ruleSet.version === burstDeclines.version),
    'the rule set live',
  );
  second = await startWallet(h.config, createLogger('wallet-2', 'error'));
  shop = await h.service('shop');
  shop2 = promiseClient(WalletServiceService, `127.0.0.1:${second.grpcPort}`, { metadata: () => bearer(shop.token) });
  nc = await connect({ servers: h.identity.nats.url });
});
after(async () => {
  await nc.close();
  shop2.close();
  await second.stop();
  await h.stop();
});

type Wallet = PromiseClient<typeof WalletServiceService>;
const charge = (wallet: Wallet, phone: Phone) =>
  wallet.charge({
    idempotencyKey: randomBytes(12).toString('hex'),
    amount: { amountMinor: 100n, currency: 'EUR' },
    presentation: phone.present(shop.name),
    reference: '',
    settlesTap: false,
  });

/** A payment of `phone`'s at the shop a minute from now, as the engine would score it (from a stored decision). */
async function probeOf(phone: Phone): Promise<RiskEvent> {
  const stored = await h.db.query<{ event: Record<string, unknown> }>(
    'SELECT event FROM risk_decisions WHERE resident_id = $1 LIMIT 1',
    [phone.residentId],
  );
  const event = stored.rows[0]?.event;
  assert.ok(event, 'a stored decision of the resident');
  return { ...event, atMs: Date.now() + 60_000, amountMinor: 100n, maxFareMinor: null } as RiskEvent;
}

/** Whether both engines see `probe` with the same features (decayed sums may differ in their last bits). */
function agree(probe: RiskEvent, first: RunningWallet, other: RunningWallet): boolean {
  const one = first.riskEngine?.featuresOf(probe);
  const two = other.riskEngine?.featuresOf(probe);
  assert.ok(one && two);
  return one.every((value, index) => Math.abs(value - (two[index] ?? Number.NaN)) <= 1e-9 * Math.max(1, value));
}

const featureOf = (wallet: RunningWallet, probe: RiskEvent, name: keyof typeof feature): number =>
  wallet.riskEngine?.featuresOf(probe)[feature[name]] ?? Number.NaN;

test('risk sharing - a burst split across two instances is declined as one instance declines it', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 10_000n);
  const wallets: Wallet[] = [shop.wallet, shop2, shop.wallet];
  for (const [index, wallet] of wallets.entries()) {
    assert.equal(await outcomeOf(charge(wallet, phone)), 'OK', `payment ${index + 1} of 3`);
    const probe = await probeOf(phone);
    await waitFor(
      () =>
        Promise.resolve(
          featureOf(second, probe, 'recent_events_10min') === index + 1 && agree(probe, h.wallet, second),
        ),
      `both instances count payment ${index + 1}`,
    );
  }
  // The fourth reaches the instance that served one of the three: it counts all three and declines.
  assert.equal(await outcomeOf(charge(shop2, phone)), 'permission_denied:RISK_DECLINED');
  const probe = await probeOf(phone);
  // Each instance counted each payment once (its own not again when it comes back), and the merchant's refused attempt.
  await waitFor(() => Promise.resolve(agree(probe, h.wallet, second)), 'both instances count the refused attempt');
  assert.equal(featureOf(h.wallet, probe, 'recent_events_10min'), 3);
  assert.equal(Math.round(featureOf(h.wallet, probe, 'merchant_count_1h')), 4);
  const applied = await counterValues('citypass.wallet.risk.outcomes.applied');
  assert.ok((applied.get('') ?? 0) >= 4, `outcomes applied: ${String(applied.get(''))}`);
});

test('risk sharing - an instance restarted mid-way agrees with the one that kept running', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 10_000n);
  assert.equal(await outcomeOf(charge(shop.wallet, phone)), 'OK');
  assert.equal(await outcomeOf(charge(shop2, phone)), 'OK');
  const probe = await probeOf(phone);
  await waitFor(() => Promise.resolve(agree(probe, h.wallet, second)), 'both count the first two');
  // The first instance restarts right after a payment and a refusal (stored by the next flush) of the other's.
  const port = h.wallet.grpcPort;
  assert.equal(await outcomeOf(charge(shop2, phone)), 'OK');
  assert.equal(await outcomeOf(charge(shop2, phone)), 'permission_denied:RISK_DECLINED');
  await h.restartWallet();
  assert.equal(h.wallet.grpcPort, port);
  await waitFor(() => Promise.resolve(agree(probe, h.wallet, second)), 'the restarted instance agrees');
  // The other's last two were stored before the rebuild's snapshot and published after it: a copy arriving late
  // is not counted again.
  await new Promise((resolve) => setTimeout(resolve, 2 * shareDelayMs));
  assert.equal(featureOf(h.wallet, probe, 'recent_events_10min'), 3);
  assert.equal(Math.round(featureOf(h.wallet, probe, 'merchant_count_1h')), 4 + 4);
  // Then it takes part again: its payment counts on the other instance, whose refusal counted on it.
  assert.equal(await outcomeOf(charge(shop.wallet, phone)), 'permission_denied:RISK_DECLINED');
  await waitFor(() => Promise.resolve(agree(probe, h.wallet, second)), 'both count the refusal after the restart');
  assert.equal(Math.round(featureOf(second, probe, 'merchant_count_1h')), 4 + 5);
});

test('risk sharing - an outcome delivered twice is applied once by each instance', async () => {
  const js = jetstream(nc);
  const residentId = randomUUID();
  const event: RiskEvent = {
    atMs: Date.now(),
    channel: 'shop',
    residentId,
    deviceId: `device-${residentId}`,
    credentialId: randomUUID(),
    deviceBoundAtMs: Date.now() - 86_400_000,
    merchantId: 'elsewhere',
    category: 'elsewhere',
    amountMinor: 250n,
    place: null,
    concession: 'adult',
    ...verifiedPaymentFacts,
  };
  const decisionId = randomUUID();
  const payload = RiskOutcomesRecorded.encode({
    instanceId: 'a third instance',
    outcomes: [{ decisionId, approved: true, eventJson: JSON.stringify(riskEventToJson(event)), traceContext: {} }],
  }).finish();
  const envelope = EventEnvelope.encode({
    id: randomUUID(),
    type: walletRiskSubjects.outcomes,
    version: 1,
    occurredAt: new Date(),
    source: 'wallet',
    payload: Buffer.from(payload),
  }).finish();
  const duplicates = async () => (await counterValues('citypass.wallet.risk.outcomes.dropped')).get('duplicate') ?? 0;
  const before = await duplicates();
  // Twice in the stream (two message ids: a publisher's retry past the duplicate window, or a replay).
  await js.publish(walletRiskSubjects.outcomes, envelope, { msgID: randomUUID() });
  await js.publish(walletRiskSubjects.outcomes, envelope, { msgID: randomUUID() });
  await waitFor(async () => (await duplicates()) >= before + 2, 'the repeat dropped by both instances');
  const probe = { ...event, atMs: event.atMs + 1 };
  for (const wallet of [h.wallet, second]) {
    assert.equal(featureOf(wallet, probe, 'recent_events_10min'), 1);
    assert.ok(Math.abs(featureOf(wallet, probe, 'resident_amount_1h') - 250) < 0.01);
  }
});

test("risk sharing - an applied outcome's span links to the span of the request that recorded it", async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  spans.reset();
  const charge = ChargeRequest.encode({
    idempotencyKey: randomBytes(12).toString('hex'),
    amount: { amountMinor: 100n, currency: 'EUR' },
    presentation: phone.present(shop.name),
    reference: '',
    settlesTap: false,
  }).finish();
  await request(nc, walletRequestSubjects.charge, charge, {
    deadlineMs: Date.now() + 5_000,
    headers: { Authorization: `Bearer ${shop.token}` },
  });
  const finished = (name: string) => spans.getFinishedSpans().filter((span) => span.name === name);
  await waitFor(() => Promise.resolve(finished('risk outcome apply').length >= 1), 'the outcome applied');
  const [served] = finished(`${walletRequestSubjects.charge} process`);
  const [applied] = finished('risk outcome apply');
  assert.ok(served && applied);
  assert.deepEqual(
    applied.links.map((link) => [link.context.traceId, link.context.spanId]),
    [[served.spanContext().traceId, served.spanContext().spanId]],
  );
  assert.equal(applied.parentSpanContext, undefined, 'a trace of its own, linked, not a child');
});
