// The risk engine's places learned from the data, with no WALLET_RISK_PLACES: transit publishes each tap with its
// station's GTFS position (stop_lat/stop_lon of the Aurelia feed), the wallet projects it onto its km frame around
// WALLET_RISK_ORIGIN, and a copy's tap far from the resident's last one is declined at settlement; the fare's own
// station resolves through the same learned places. A service onboarded with its counter's location (identity's
// OnboardService, its ServiceOnboarded event) is placed too: a payment there far from the last tap is stepped up.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { resources } from '@citypass/contracts';
import { DomainError } from '@citypass/platform/errors';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { createLogger } from '@citypass/platform/log';
import { WalletServiceService, type RiskDecision } from '@citypass/proto/wallet/v1/wallet';
import { startTransitHarness, type TransitHarness } from '../../transit/test/harness.ts';
import { originOf, projectOnto } from '../src/domain/local_projection.ts';
import { startWallet } from '../src/server.ts';
import { gateTaps, shopPayment, type GateTaps } from './gate_taps.ts';
import { waitFor, type Phone, walletOperatorToken } from './harness.ts';

/** South-west of every Aurelia station. */
const origin = '44.33,8.85';

let h: TransitHarness;
let nc: NatsConnection;
let jsm: JetStreamManager;
let tapAt: GateTaps['tapAt'];
let walletReceived: GateTaps['walletReceived'];
let operator: PromiseClient<typeof WalletServiceService>;

before(async () => {
  h = await startTransitHarness();
  const port = h.wallet.wallet.grpcPort;
  await h.wallet.wallet.stop();
  h.wallet.wallet = await startWallet(
    {
      ...h.wallet.config,
      WALLET_GRPC_PORT: port,
      WALLET_COUNTS_FLUSH_MS: 50,
      WALLET_RISK_PLACES: '',
      WALLET_RISK_ORIGIN: origin,
      TRANSIT_STREAM: h.config.TRANSIT_STREAM,
    },
    createLogger('wallet-test', 'error'),
    { now: () => h.now() },
  );
  nc = await connect({ servers: h.wallet.identity.nats.url });
  jsm = await jetstreamManager(nc);
  ({ tapAt, walletReceived } = gateTaps(h, jsm));
  const identity = h.wallet.identity;
  const token = await walletOperatorToken(identity);
  operator = promiseClient(WalletServiceService, h.wallet.address, { metadata: () => bearer(token) });
});
after(async () => {
  operator.close();
  await nc.close();
  await h.stop();
});

test("risk learned places - a tap event carries its station's GTFS position in microdegrees", async () => {
  const phone = await h.resident();
  await tapAt(phone, 'harbour-g1');
  const tap = await walletReceived(phone);
  assert.equal(tap.stationId, 'harbour');
  assert.deepEqual(tap.stationPosition, { latitudeMicrodegrees: 44_406_403, longitudeMicrodegrees: 8_892_232 });
});

test('risk learned places - with no WALLET_RISK_PLACES, a fare is placed at its learned station and a far tap is declined', async () => {
  const phone = await h.resident(5_000n);
  await tapAt(phone, 'central-g1');
  h.clockOffsetMs += 10 * 60_000;
  await tapAt(phone, 'market-g2', 'out');
  await walletReceived(phone);
  await h.settle();
  assert.equal(await h.balance(phone), 5_000n - 350n, 'the ride from Central to Market is charged');
  // The fare, scored as of its tap-in at Central, is placed where Central's position projects.
  const stored = await h.wallet.db.query<{ event: { place: unknown } }>(
    'SELECT event FROM risk_decisions WHERE resident_id = $1',
    [phone.residentId],
  );
  const central = projectOnto(originOf(origin) ?? assert.fail('origin'), {
    latitudeMicrodegrees: 44_410_000,
    longitudeMicrodegrees: 8_930_000,
  });
  assert.deepEqual(stored.rows[0]?.event.place, central, 'placed where its learned station is');
  // Two minutes after the tap-out at Market, the credential taps in at the Airport, 11 km east.
  h.clockOffsetMs += 2 * 60_000;
  await tapAt(phone, 'airport-g1');
  await walletReceived(phone);
  h.clockOffsetMs += 3 * 3_600_000;
  await h.settle();
  assert.equal(await h.balance(phone), 5_000n - 350n, 'the declined fare moved no money');
  const { entries } = await h.operator.listDenyList({ pageSize: 500, pageToken: '' });
  const denied = entries.find((entry) => entry.residentId === phone.residentId);
  assert.equal(denied?.reason, 'RISK_DECLINED');
  let decision: RiskDecision | undefined;
  await waitFor(async () => {
    const request = { decisionId: denied.riskDecisionId, holdId: '' };
    decision = (await operator.getRiskDecision(request).catch(() => ({ decision: undefined }))).decision;
    return decision !== undefined;
  }, 'the decline stored');
  assert.equal(decision?.stationId, 'airport');
  const reason = decision.reasons.find((candidate) => candidate.ruleId === 'impossible_tap');
  assert.ok(reason, JSON.stringify(decision.reasons));
  // About 11 km in two minutes (and the moments the test takes): about 330 km/h.
  const speedKmh = reason.features.tap_speed_kmh ?? 0;
  assert.ok(speedKmh > 300 && speedKmh < 340, `Market to Airport is about 11 km (${speedKmh} km/h)`);
});

test("risk learned places - a service onboarded with its counter's location is placed: a payment there 20 km from a tap moments before is stepped up", async () => {
  const identity = h.wallet.identity;
  // 20 km east of Central (44.41 N, 8.93 E), and one next to it.
  const onboard = async (name: string, longitudeMicrodegrees: number) => {
    const onboarded = await identity.operator.onboardService({
      idempotencyKey: randomBytes(8).toString('hex'),
      name,
      displayName: name,
      contactEmail: `ops@${name}.example`,
      extraScopes: [],
      jwksJson: '',
      location: { latitudeMicrodegrees: 44_410_000, longitudeMicrodegrees },
    });
    const response = await identity.clientCredentialsToken(
      name,
      onboarded.clientSecret,
      resources.wallet,
      onboarded.scopes.join(' '),
    );
    const token = ((await response.json()) as { access_token: string }).access_token;
    await waitFor(
      async () =>
        ((await h.wallet.db.query('SELECT 1 FROM merchant_places WHERE service = $1', [name])).rowCount ?? 0) === 1 &&
        ((await h.wallet.db.query("SELECT 1 FROM accounts WHERE kind = 'merchant' AND owner = $1", [name])).rowCount ??
          0) >= 1,
      `${name} placed and its account open`,
    );
    return { name, client: promiseClient(WalletServiceService, h.wallet.address, { metadata: () => bearer(token) }) };
  };
  const farShop = await onboard('far-shop', 9_181_750);
  const nearShop = await onboard('near-shop', 8_936_000);
  let counter = 0;
  const pay = (shop: { name: string; client: typeof farShop.client }, phone: Phone) =>
    shop.client.authorize(shopPayment(phone, shop.name, h.now(), ++counter));
  try {
    const traveller = await h.resident();
    const local = await h.resident();
    await tapAt(traveller, 'central-g1');
    await walletReceived(traveller);
    await tapAt(local, 'central-g2');
    await walletReceived(local);
    const { hold } = await pay(nearShop, local);
    assert.equal(hold?.status, 'pending', 'next to the station: approved');
    const error = await pay(farShop, traveller).then(
      () => assert.fail('the far payment was approved'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof DomainError, String(error));
    assert.equal(`${error.kind}:${error.reason}`, 'permission_denied:STEP_UP_REQUIRED');
    assert.match(error.message, /rule impossible_travel/);
  } finally {
    farShop.client.close();
    nearShop.client.close();
  }
});
