// Wires the wallet together: database and ledger functions, the city's float accounts, identity's keys and
// revocations for tokens and mandates, gRPC and NATS edges, outbox relay, identity consumer, hold sweeper.
// main.ts calls it with the parsed config; integration tests call it too.
import {
  AccessTokenVerifier,
  BucketFollower,
  followSuspensions,
  IssuerKeys,
  PresentationVerifier,
  revocationsFrom,
} from '@citypass/credential';
import { liveSubjects, operatorScopes, walletReasons, resources, walletEventSubjects } from '@citypass/contracts';
import { connectBus, ensureStream, openExistingBucket } from '@citypass/platform/bus';
import { DomainError } from '@citypass/platform/errors';
import { GrpcServer } from '@citypass/platform/grpc';
import { KeyQueue } from '@citypass/platform/key_queue';
import type { Logger } from '@citypass/platform/log';
import { observeOutboxLag, startOutboxRelay } from '@citypass/platform/outbox';
import { createPool } from '@citypass/platform/pg';
import { untilReady } from '@citypass/platform/until_ready';
import { startRetentionPruner } from '@citypass/platform/retention';
import { AuthorizationCounter } from './app/authorization_counts.ts';
import { openAccount } from './app/open_account.ts';
import type { WalletDeps } from './app/deps.ts';
import { serveCharges } from './bus/charge_handlers.ts';
import { startIdentityConsumer } from './bus/identity_consumer.ts';
import { riskBlockList, type WalletConfig } from './config.ts';
import { rebuildRiskScoring } from './app/risk_rebuild.ts';
import { RiskRulesFollower } from './workers/risk_rules_follow.ts';
import { flushRefusedDecisions, startRiskDecisionsFlush } from './workers/risk_decisions_flush.ts';
import { addWalletService, walletServiceName } from './grpc/wallet_service.ts';
import { walletMetrics } from './metrics.ts';
import { prepareSchema } from './store/schema.ts';
import { createWalletStore } from './store/wallet_store.ts';
import { batchedKinds } from './store/ledger_batches.ts';
import { RecentHolds } from './app/recent_holds.ts';
import {
  flushAuthorizationCounts,
  startAuthorizationCountsFlush,
  type CountsPublisher,
} from './workers/authorization_counts_flush.ts';
import { startHoldSweeper } from './workers/hold_expiry.ts';
import { followTaps, streamPastTaps } from './workers/tap_follower.ts';
import { riskShareStartMarginMs, startRiskOutcomeSharing } from './bus/risk_outcomes.ts';
import { riskPlaces } from './domain/risk_places.ts';
import { originOf } from './domain/local_projection.ts';
import { KnownPlaces } from './app/known_places.ts';
import { loadMerchantPlaces, startMerchantPlacesReload } from './app/merchant_places.ts';
import { AuthorizationsCounted } from '@citypass/proto/wallet/v1/wallet';
import { maxShadowDeclineShare, type RiskEngine } from '@citypass/risk';
import { randomUUID } from 'node:crypto';

export interface RunningWallet {
  readonly grpcPort: number;
  /** The operators' port (WALLET_ADMIN_GRPC_PORT), if there is one. */
  readonly adminGrpcPort: number | undefined;
  /** The risk engine this wallet decides with (undefined with WALLET_RISK=off), for tests to read its state. */
  readonly riskEngine: RiskEngine | undefined;
  /** Writes queued now (the citypass.wallet.writes.queued gauge): running or waiting, across accounts. */
  readonly writesQueued: number;
  stop(): Promise<void>;
}

/**
 * Holds authorized here kept for their capture or void without a read (app/recent_holds.ts), ~1 KB each: enough
 * for the seconds between a payment's authorize and capture at 1,000/s; a hold captured later is read.
 */
const recentHoldsKept = 2_000;

/** How far apart the phone's, the gate's and the wallet's clocks may be, for mandates and for taps. */
const clockSkewMs = 5_000;

export interface WalletClock {
  /** The wallet's clock for ledger times and mandates (tests run it ahead to make taps old); default Date.now. */
  readonly now?: () => number;
}

export async function startWallet(
  config: WalletConfig,
  logger: Logger,
  clock: WalletClock = {},
): Promise<RunningWallet> {
  const now = clock.now ?? Date.now;
  const pool = createPool(config.WALLET_DATABASE_URL, { applicationName: 'wallet', max: 32, logger });
  await prepareSchema(pool);
  const currencies = config.WALLET_CURRENCIES.split(',');
  const ledgerPool = createPool(config.WALLET_DATABASE_URL, {
    applicationName: 'wallet-ledger',
    max: batchedKinds,
    logger,
  });
  const store = createWalletStore(pool, {
    ledgerPool,
    batch: {
      maxBatch: config.WALLET_LEDGER_BATCH_MAX,
      onBatch: (size, kind) => {
        walletMetrics.ledgerBatchSize.record(size, { kind });
      },
      onAbort: (items, kind) => {
        walletMetrics.ledgerAborts.add(items, { kind });
      },
      onExpired: (items, kind) => {
        walletMetrics.ledgerExpired.add(items, { kind });
      },
    },
  });
  for (const currency of currencies) await store.transaction((tx) => openAccount(tx, 'float', 'city', currency));

  const bus = await connectBus({ servers: config.NATS_URL, name: 'wallet', logger });
  await ensureStream(bus.jsm, { name: config.WALLET_STREAM, subjects: [walletEventSubjects.all] });
  const relay = startOutboxRelay({ pool, nc: bus.nc, logger, pollIntervalMs: config.WALLET_OUTBOX_POLL_MS });
  observeOutboxLag(pool);
  const pruner = startRetentionPruner(pool, { logger });

  const issuerKeys = new IssuerKeys({ jwksUri: config.IDENTITY_JWKS_URL });
  const tokens = new AccessTokenVerifier({ issuer: config.IDENTITY_ISSUER, audience: resources.wallet, issuerKeys });
  const grpc = new GrpcServer({
    logger,
    authenticate: (token) => tokens.verify(token),
    adminScope: operatorScopes.wallet,
  });
  // Money fails closed: while the credential status bucket is not followed, mandates are refused UNAVAILABLE
  // (REVOCATIONS_UNAVAILABLE) and the wallet's gRPC health says NOT_SERVING.
  const statusFollower = new BucketFollower({
    nc: bus.nc,
    bucket: config.IDENTITY_STATUS_BUCKET,
    open: () => openExistingBucket(bus.js, config.IDENTITY_STATUS_BUCKET),
    onChange: (live, error, wasLive) => {
      grpc.setServing(walletServiceName, live);
      if (!live && wasLive)
        logger.error('credential status no longer followed; refusing mandates until it is back', { error });
      else if (!live) logger.warn('credential status not followed yet (identity may still be starting)', { error });
    },
  });
  await untilReady(logger, 'credential status bucket', async () => {
    if (!(await statusFollower.startAndLoad(2_000))) throw new Error('the credential status bucket is not loaded yet');
  });
  const revocations = revocationsFrom(statusFollower, 'fail_closed');
  // Suspended services, rebuilt from identity's stream before any call is taken (credential/suspension_follower.ts).
  const suspensionFollower = await untilReady(logger, 'service suspensions', () =>
    followSuspensions({ js: bus.js, stream: config.IDENTITY_STREAM, logger }),
  );
  const accounts = new KeyQueue({
    maxWaiting: config.WALLET_ACCOUNT_MAX_WAITING,
    refusal: () => {
      walletMetrics.accountBusy.add(1);
      return new DomainError(
        'resource_exhausted',
        walletReasons.ACCOUNT_BUSY,
        'too many operations wait on this account; retry later',
      );
    },
    maxQueued: config.WALLET_MAX_QUEUED_WRITES,
    overload: () => {
      walletMetrics.overloaded.add(1);
      return new DomainError(
        'resource_exhausted',
        walletReasons.WALLET_OVERLOADED,
        'the wallet is overloaded; retry later',
      );
    },
  });
  walletMetrics.accountQueueWaiting.addCallback((result) => {
    result.observe(accounts.waiting);
  });
  walletMetrics.writesQueued.addCallback((result) => {
    result.observe(accounts.queued);
  });
  // Other instances' risk outcomes are followed before the rebuild, so none falls between the two.
  const riskSharing =
    config.WALLET_RISK === 'off' || config.WALLET_RISK_SHARE === 'off'
      ? undefined
      : await startRiskOutcomeSharing(bus, riskShareStartMarginMs(config.WALLET_COUNTS_FLUSH_MS), logger);
  const riskScoring =
    config.WALLET_RISK === 'off'
      ? undefined
      : await rebuildRiskScoring(store, riskBlockList(config.WALLET_RISK_BLOCK_LIST), logger, {
          nowMs: now(),
          enforce: config.WALLET_RISK === 'on',
          places: new KnownPlaces(riskPlaces(config.WALLET_RISK_PLACES), originOf(config.WALLET_RISK_ORIGIN)),
          ...(riskSharing === undefined ? {} : { sharing: riskSharing }),
        });
  // The stored live rule set and candidate before the first call; then followed, so instances agree.
  const riskRules =
    riskScoring === undefined
      ? undefined
      : new RiskRulesFollower({
          store: store.riskRuleSets,
          engine: riskScoring.engine,
          instanceId: randomUUID(),
          logger,
          now,
        });
  await riskRules?.sync();
  const tapFollower = await followTaps(bus.js, riskScoring, config, logger);
  // Merchants placed at onboarding, before the first payment; then reread (app/merchant_places.ts).
  if (riskScoring !== undefined) await loadMerchantPlaces(store.merchantPlaces, riskScoring.places);
  const merchantPlacesReload =
    riskScoring === undefined ? undefined : startMerchantPlacesReload(store.merchantPlaces, riskScoring.places, logger);
  const deps: WalletDeps = {
    store,
    accounts,
    logger,
    currencies: new Set(currencies),
    // No in-memory replay cache: the database refuses a second hold for one presentation nonce across instances,
    // and a request that was refused can be repeated with the same presentation. Device counters are not
    // enforced either: one phone's concurrent charges may arrive in any order.
    // Taps (settles_tap) are unique per (nonce, reference) instead: one tap backs each of its journey's charges once.
    mandates: new PresentationVerifier({
      issuer: config.IDENTITY_ISSUER,
      issuerKeys,
      revocations,
      replayCache: undefined,
      clockSkewMs,
      now,
    }),
    risk: {
      authorizationsPerMinute: config.WALLET_RISK_AUTHORIZATIONS_PER_MINUTE,
      dailyLimitMinor: BigInt(config.WALLET_RISK_DAILY_LIMIT_MINOR),
      credentialDailyLimitMinor: BigInt(config.WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR),
    },
    riskScoring,
    riskPromotion: { minDecisions: config.WALLET_RISK_PROMOTE_MIN_DECISIONS, maxDeclineShare: maxShadowDeclineShare },
    pastTaps:
      riskScoring === undefined || !riskScoring.places.placesTaps
        ? undefined
        : streamPastTaps(bus.js, config.TRANSIT_STREAM, riskScoring.places, now, logger),
    riskRules: riskRules ?? { sync: () => Promise.resolve() },
    recentHolds: new RecentHolds(recentHoldsKept),
    holdTtlDefaultS: config.WALLET_HOLD_TTL_DEFAULT_S,
    holdTtlMaxS: config.WALLET_HOLD_TTL_MAX_S,
    tapSettlement: { windowMs: config.WALLET_TAP_SETTLEMENT_WINDOW_S * 1000, clockSkewMs },
    counts: new AuthorizationCounter(now),
    suspensions: suspensionFollower.suspensions,
    now,
  };
  // What each flush counted is also the live views' feed (core NATS: a publish is a buffered write).
  const publishCounts: CountsPublisher = ({ approved, declines }) => {
    const message = {
      countedAt: new Date(now()),
      approved,
      declines: declines.map(({ service, reason, count }) => ({ service, reason, count })),
    };
    bus.nc.publish(liveSubjects.walletAuthorizations, AuthorizationsCounted.encode(message).finish());
  };
  const countsFlush = startAuthorizationCountsFlush(store, deps.counts, {
    intervalMs: config.WALLET_COUNTS_FLUSH_MS,
    logger,
    published: publishCounts,
  });
  const riskFlush =
    riskScoring === undefined
      ? undefined
      : startRiskDecisionsFlush(store, riskScoring.refused, { intervalMs: config.WALLET_COUNTS_FLUSH_MS, logger });
  const rulesFollow = riskRules?.start(config.WALLET_RISK_RULES_POLL_MS);
  const identityEvents = await untilReady(logger, 'identity event stream', () =>
    startIdentityConsumer({
      js: bus.js,
      jsm: bus.jsm,
      stream: config.IDENTITY_STREAM,
      durable: config.WALLET_IDENTITY_CONSUMER,
      store,
      currencies,
      places: riskScoring?.places,
      logger,
    }),
  );
  const sweeper = startHoldSweeper(store, logger, config.WALLET_HOLD_SWEEP_MS);
  const charges = serveCharges(bus.nc, deps, tokens, logger);

  addWalletService(grpc, deps);
  const grpcPort = await grpc.listen(config.WALLET_GRPC_HOST, config.WALLET_GRPC_PORT);
  const adminGrpcPort = await grpc.listenAdmin(config.WALLET_GRPC_HOST, config.WALLET_ADMIN_GRPC_PORT);
  logger.info('wallet started', { grpcPort, adminGrpcPort, currencies });

  return {
    grpcPort,
    adminGrpcPort,
    riskEngine: riskScoring?.engine,
    get writesQueued() {
      return accounts.queued;
    },
    async stop() {
      await grpc.shutdown(2_000);
      await charges.stop();
      await countsFlush.stop();
      await flushAuthorizationCounts(store, deps.counts, logger, publishCounts).catch((error: unknown) => {
        logger.warn('the last declines counted were not written', { error });
      });
      await rulesFollow?.stop();
      await riskRules?.sync().catch((error: unknown) => {
        logger.warn('the last shadow tally was not written', { error });
      });
      if (riskScoring !== undefined) {
        await riskFlush?.stop();
        await flushRefusedDecisions(store, riskScoring.refused, logger).catch((error: unknown) => {
          logger.warn('the last risk decisions declined were not written', { error });
        });
      }
      await sweeper.stop();
      await tapFollower?.stop();
      await merchantPlacesReload?.stop();
      await riskSharing?.stop();
      await identityEvents.stop();
      await suspensionFollower.stop();
      await statusFollower.stop();
      await pruner.stop();
      await relay.stop();
      await bus.close();
      await ledgerPool.end();
      await pool.end();
    },
  };
}
