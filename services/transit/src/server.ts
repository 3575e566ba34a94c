// Wires transit together: database, the network and fares from the GTFS feed (plus operators' versions), identity's
// keys, revocations and the deny list for gate decisions, the tap recorder, settlement through the wallet over
// NATS, the top-up consumer that collects debts, the outbox relay, and the gRPC edge.
// main.ts calls it with the parsed config; integration tests call it too.
import { join } from 'node:path';
import {
  credentialReasons,
  AccessTokenVerifier,
  BucketFollower,
  followSuspensions,
  IssuerKeys,
  PresentationVerifier,
  ReplayCache,
  revocationsFrom,
} from '@citypass/credential';
import { operatorScopes, resources, serviceScope } from '@citypass/contracts';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { connectBus, ensureStream, openExistingBucket } from '@citypass/platform/bus';
import { ClientCredentials } from '@citypass/platform/client_credentials';
import { DomainError } from '@citypass/platform/errors';
import { GrpcServer } from '@citypass/platform/grpc';
import type { Logger } from '@citypass/platform/log';
import { observeOutboxLag, outboxMigrations, startOutboxRelay } from '@citypass/platform/outbox';
import { createPool, migrate } from '@citypass/platform/pg';
import { untilReady } from '@citypass/platform/until_ready';
import { startRetentionPruner } from '@citypass/platform/retention';
import { DenyListMirror } from './app/deny_list.ts';
import { FareBook } from './app/fare_book.ts';
import { GateAssignments } from './app/gate_assignments.ts';
import { transitSubjects } from './bus/transit_events.ts';
import { TapAnswers } from './app/tap_answers.ts';
import { PostgresTapRecorder } from './store/tap_recorder.ts';
import { postgresTransitStore } from './store/transit_store.ts';
import { startDenyListFollower } from './workers/deny_list_follower.ts';
import { startFareBookReload } from './workers/fare_book_reload.ts';
import { startGateAssignmentsReload } from './workers/gate_assignments_reload.ts';
import { startSettler, type Settler } from './workers/settler.ts';
import { startTopUpConsumer } from './bus/topup_consumer.ts';
import { natsLiveFeed } from './bus/live_feed.ts';
import { jetStreamTapEvents } from './bus/tap_events.ts';
import { natsWalletLink } from './bus/wallet_link.ts';
import type { TransitConfig } from './config.ts';
import { addTransitService, transitServiceName } from './grpc/transit_service.ts';
import { loadGtfsFeed } from './gtfs/load_feed.ts';
import { transitMetrics } from './metrics.ts';

export interface RunningTransit {
  readonly grpcPort: number;
  /** The operators' port (TRANSIT_ADMIN_GRPC_PORT), if there is one. */
  readonly adminGrpcPort: number | undefined;
  /** Settlement; an instance with TRANSIT_ROLE=gate has none, and its runOnce rejects. */
  readonly settler: Settler;
  stop(): Promise<void>;
}

export interface TransitClock {
  /** Transit's clock for taps, settlement and riders' views (tests run it ahead); default Date.now. */
  readonly now?: () => number;
  /** How settlement waits out a backoff when the wallet is overloaded (tests record it); default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What both roles share: the database, fares, the bus, the deny list, the live feed and the gRPC server. */
interface TransitCore {
  readonly config: TransitConfig;
  readonly logger: Logger;
  readonly now: () => number;
  readonly sleep: ((ms: number) => Promise<void>) | undefined;
  readonly pool: ReturnType<typeof createPool>;
  readonly store: ReturnType<typeof postgresTransitStore>;
  readonly fares: FareBook;
  readonly bus: Awaited<ReturnType<typeof connectBus>>;
  readonly grpc: GrpcServer;
  readonly denyList: DenyListMirror;
  readonly live: ReturnType<typeof natsLiveFeed>;
  readonly issuerKeys: IssuerKeys;
  follow(bucket: string, open: () => Promise<KV>): BucketFollower;
}

interface Part {
  stop(): Promise<void>;
}

export async function startTransit(
  config: TransitConfig,
  logger: Logger,
  clock: TransitClock = {},
): Promise<RunningTransit> {
  const now = clock.now ?? Date.now;
  const feed = await loadGtfsFeed(config.TRANSIT_GTFS_DIR);
  const pool = createPool(config.TRANSIT_DATABASE_URL, { applicationName: 'transit', max: 24, logger });
  await migrate(pool, join(import.meta.dirname, 'store', 'migrations'), [...outboxMigrations(900)]);
  const store = postgresTransitStore(pool);
  const fares = await FareBook.open(feed, store.fareRules);
  const fareReload = startFareBookReload(fares, logger);
  const bus = await connectBus({ servers: config.NATS_URL, name: 'transit', logger });
  await ensureStream(bus.jsm, {
    name: config.TRANSIT_STREAM,
    subjects: [transitSubjects.all],
    maxAgeMs: config.TRANSIT_STREAM_MAX_AGE_S * 1000,
  });

  const issuerKeys = new IssuerKeys({ jwksUri: config.IDENTITY_JWKS_URL });
  const tokens = new AccessTokenVerifier({ issuer: config.IDENTITY_ISSUER, audience: resources.transit, issuerKeys });
  // Gate configurations carry the revoked and denied lists, and uploads hundreds of taps: larger than 1 MiB.
  const grpc = new GrpcServer({
    logger,
    authenticate: (token) => tokens.verify(token),
    maxMessageBytes: 16 * 1024 * 1024,
    adminScope: operatorScopes.transit,
  });
  const follow = bucketFollowers(bus.nc, grpc, logger);
  // The gate path loads the credential status bucket before the deny list, as gates do.
  const gatePath =
    config.TRANSIT_ROLE === 'settlement' ? undefined : await followCredentialStatus(follow, bus.js, config, logger);
  const denyFollower = follow(config.TRANSIT_DENY_BUCKET, () => new Kvm(bus.js).open(config.TRANSIT_DENY_BUCKET));
  const denyList = await DenyListMirror.open(
    bus.js,
    config.TRANSIT_DENY_BUCKET,
    store.denyList,
    denyFollower.set,
    logger,
  );
  const denyListFollower = startDenyListFollower(denyFollower, denyList, logger);
  await denyFollower.startAndLoad();
  transitMetrics.denyListSize.addCallback((result) => {
    result.observe(denyList.size);
  });
  const live = natsLiveFeed(bus.nc);
  const core: TransitCore = {
    config,
    logger,
    now,
    sleep: clock.sleep,
    pool,
    store,
    fares,
    bus,
    grpc,
    denyList,
    live,
    issuerKeys,
    follow,
  };

  const background = config.TRANSIT_ROLE === 'gate' ? undefined : await startBackground(core);
  const gates = gatePath === undefined ? undefined : await addGatePath(core, gatePath);
  const grpcPort = await grpc.listen(config.TRANSIT_GRPC_HOST, config.TRANSIT_GRPC_PORT);
  const adminGrpcPort = await grpc.listenAdmin(config.TRANSIT_GRPC_HOST, config.TRANSIT_ADMIN_GRPC_PORT);
  logger.info('transit started', {
    grpcPort,
    adminGrpcPort,
    role: config.TRANSIT_ROLE,
    stations: fares.network.stations.size,
    gates: fares.gates.size,
  });

  return {
    grpcPort,
    adminGrpcPort,
    settler: background?.settler ?? noSettler,
    async stop() {
      await grpc.shutdown(2_000);
      await background?.stop();
      await gates?.stop();
      await denyListFollower.stop();
      await gatePath?.stop();
      await fareReload.stop();
      await bus.close();
      await pool.end();
    },
  };
}

/**
 * Transit decides like a gate: while a bucket cannot be followed it keeps the last known list, and says so (its gRPC
 * health for TransitService is NOT_SERVING, so gates fall back to deciding offline).
 */
function bucketFollowers(nc: TransitCore['bus']['nc'], grpc: GrpcServer, logger: Logger): TransitCore['follow'] {
  const followers: BucketFollower[] = [];
  return (bucket, open) => {
    const follower = new BucketFollower({
      nc,
      bucket,
      open,
      onChange: (live, error, wasLive) => {
        grpc.setServing(
          transitServiceName,
          followers.every((each) => each.live),
        );
        if (!live && wasLive)
          logger.error('a bucket is no longer followed; deciding with the last known list', { bucket, error });
        else if (!live)
          logger.warn('a bucket is not followed yet (its owner may still be starting)', { bucket, error });
      },
    });
    followers.push(follower);
    return follower;
  };
}

/** An instance that does not settle (TRANSIT_ROLE=gate): asking it to is a deployment mistake. */
const noSettler: Settler = {
  runOnce: () => Promise.reject(new Error('this transit instance does not settle (TRANSIT_ROLE=gate)')),
  stop: () => Promise.resolve(),
};

/** identity's revocations, followed and loaded before the gate path answers anyone. */
async function followCredentialStatus(
  follow: TransitCore['follow'],
  js: TransitCore['bus']['js'],
  config: TransitConfig,
  logger: Logger,
): Promise<BucketFollower> {
  const statusFollower = follow(config.IDENTITY_STATUS_BUCKET, () =>
    openExistingBucket(js, config.IDENTITY_STATUS_BUCKET),
  );
  await untilReady(logger, 'credential status bucket', async () => {
    if (!(await statusFollower.startAndLoad(2_000))) throw new Error('the credential status bucket is not loaded yet');
  });
  return statusFollower;
}

/**
 * The work that runs by itself: settlement through the wallet, the top-up consumer that collects debts, the outbox
 * relay and retention. With TRANSIT_ROLE=gate it runs in another process, so a gate's Tap never waits behind it.
 */
async function startBackground(core: TransitCore): Promise<Part & { readonly settler: Settler }> {
  const { config, logger, pool, bus } = core;
  const relay = startOutboxRelay({ pool, nc: bus.nc, logger, pollIntervalMs: config.TRANSIT_OUTBOX_POLL_MS });
  observeOutboxLag(pool);
  const pruner = startRetentionPruner(pool, { logger });
  const credentials = new ClientCredentials({
    tokenUrl: config.IDENTITY_TOKEN_URL,
    clientId: config.TRANSIT_CLIENT_ID,
    clientSecret: config.TRANSIT_CLIENT_SECRET,
    resource: resources.wallet,
    scope: (['charge', 'settle', 'refund'] as const)
      .map((verb) => serviceScope(verb, config.TRANSIT_CLIENT_ID))
      .join(' '),
  });
  const wallet = natsWalletLink(bus.nc, credentials);
  const settlementDeps = {
    store: core.store,
    fares: core.fares,
    wallet,
    denyList: core.denyList,
    logger,
    now: core.now,
  };
  const settler = startSettler(settlementDeps, {
    intervalMs: config.TRANSIT_SETTLE_INTERVAL_MS,
    concurrency: config.TRANSIT_SETTLE_CONCURRENCY,
    logger,
    ...(core.sleep === undefined ? {} : { sleep: core.sleep }),
    onBacklog: (ridersDue) => {
      core.live.settlementBacklog({ ridersDue, measuredAt: new Date(core.now()) });
    },
  });
  const topUps = await untilReady(logger, 'wallet event stream', () =>
    startTopUpConsumer({
      js: bus.js,
      jsm: bus.jsm,
      stream: config.WALLET_STREAM,
      store: core.store,
      logger,
      onRetry: () => void settler.runOnce().catch(() => undefined),
    }),
  );
  return {
    settler,
    async stop() {
      await settler.stop();
      await topUps.stop();
      await pruner.stop();
      await relay.stop();
    },
  };
}

/** TransitService: gates' taps and uploads, riders' views and operators' calls, decided with the followed lists. */
async function addGatePath(core: TransitCore, statusFollower: BucketFollower): Promise<Part> {
  const { config, logger, store } = core;
  // Suspended gate clients, rebuilt from identity's stream before any call is taken (credential/suspension_follower.ts).
  const suspensionFollower = await untilReady(logger, 'service suspensions', () =>
    followSuspensions({ js: core.bus.js, stream: config.IDENTITY_STREAM, logger }),
  );
  const assignments = await GateAssignments.open(store, suspensionFollower.suspensions);
  const assignmentsReload = startGateAssignmentsReload(assignments, logger);
  const revocations = revocationsFrom(statusFollower, 'last_known');
  const tapEvents = jetStreamTapEvents(core.bus, core.fares.stationPositions, logger);
  const verifierOptions = { issuer: config.IDENTITY_ISSUER, issuerKeys: core.issuerKeys, revocations };
  addTransitService(core.grpc, {
    store,
    fares: core.fares,
    assignments,
    verifier: new PresentationVerifier({ ...verifierOptions, replayCache: new ReplayCache() }),
    uploadVerifier: new PresentationVerifier({ ...verifierOptions, replayCache: undefined }),
    accountVerifier: new PresentationVerifier({ ...verifierOptions, replayCache: undefined }),
    denyList: core.denyList,
    revocations: statusFollower.set,
    recorder: new PostgresTapRecorder(core.pool),
    answers: new TapAnswers(),
    issuer: config.IDENTITY_ISSUER,
    issuerJwks: cachedText(config.IDENTITY_JWKS_URL, 60_000),
    buckets: { credentialStatus: config.IDENTITY_STATUS_BUCKET, denyList: config.TRANSIT_DENY_BUCKET },
    live: core.live,
    tapEvents,
    now: core.now,
  });
  return {
    async stop() {
      // The taps of the last answers: published before the bus closes (gRPC has stopped taking taps).
      await new Promise((resolve) => setImmediate(resolve));
      await tapEvents.idle();
      await assignmentsReload.stop();
      await statusFollower.stop();
      await suspensionFollower.stop();
    },
  };
}

/** identity's JWKS document as text, for gates; refetched at most once a `maxAgeMs`. */
function cachedText(url: string, maxAgeMs: number): () => Promise<string> {
  let cached: { text: string; atMs: number } | undefined;
  return async () => {
    if (cached !== undefined && Date.now() - cached.atMs < maxAgeMs) return cached.text;
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch((error: unknown) => {
      throw new DomainError('unavailable', credentialReasons.ISSUER_KEYS_UNAVAILABLE, 'identity JWKS is unreachable', {
        cause: error,
      });
    });
    if (!response.ok)
      throw new DomainError(
        'unavailable',
        credentialReasons.ISSUER_KEYS_UNAVAILABLE,
        `identity JWKS answered HTTP ${response.status}`,
      );
    cached = { text: await response.text(), atMs: Date.now() };
    return cached.text;
  };
}
