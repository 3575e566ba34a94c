// Wires health billing together: database (its schema, outbox, idempotency), the sealing key ring, identity's keys
// and revocations (followed fail closed: money moves on these bills), the code catalogue cache, the wallet link over
// NATS with health-billing's own token, the identity consumer (clinics and insurers), the bill sweeper, the outbox
// relay and the gRPC edge. main.ts calls it with the parsed config; integration tests call it too.
import {
  AccessTokenVerifier,
  BucketFollower,
  followSuspensions,
  IssuerKeys,
  PresentationVerifier,
  revocationsFrom,
} from '@citypass/credential';
import { healthBillingEventSubjects, operatorScopes, resources, serviceScope } from '@citypass/contracts';
import { connectBus, ensureStream, openExistingBucket } from '@citypass/platform/bus';
import { ClientCredentials } from '@citypass/platform/client_credentials';
import { GrpcServer } from '@citypass/platform/grpc';
import { parseKeyRing } from '@citypass/platform/key_ring';
import type { Logger } from '@citypass/platform/log';
import { observeOutboxLag, startOutboxRelay } from '@citypass/platform/outbox';
import { createPool } from '@citypass/platform/pg';
import { untilReady } from '@citypass/platform/until_ready';
import { CatalogueCache } from './app/catalogue.ts';
import { responseCodecOf, sealerOf } from './app/sealer.ts';
import { startIdentityConsumer } from './bus/identity_consumer.ts';
import { natsWalletLink } from './bus/wallet_link.ts';
import { peerLimitsOf, type HealthBillingConfig } from './config.ts';
import {
  addHealthBillingService,
  healthBillingServiceName,
  type HealthBillingDeps,
} from './grpc/health_billing_service.ts';
import { postgresHealthBillingStore } from './store/health_billing_store.ts';
import { prepareSchema } from './store/schema.ts';
import { startBillSweeper } from './workers/bill_sweeper.ts';
import { startCatalogueReload } from './workers/catalogue_reload.ts';
import { startPresentationSweeper } from './workers/presentation_sweeper.ts';

export interface RunningHealthBilling {
  readonly grpcPort: number;
  /** The operators' port (HEALTH_BILLING_ADMIN_GRPC_PORT), if there is one. */
  readonly adminGrpcPort: number | undefined;
  readonly deps: HealthBillingDeps;
  stop(): Promise<void>;
}

export interface HealthBillingClock {
  /** Health billing's clock (tests run it ahead to pass a payment deadline); default Date.now. */
  readonly now?: () => number;
}

/** How far apart the phone's and health billing's clocks may be. */
const clockSkewMs = 5_000;

export async function startHealthBilling(
  config: HealthBillingConfig,
  logger: Logger,
  clock: HealthBillingClock = {},
): Promise<RunningHealthBilling> {
  const now = clock.now ?? Date.now;
  const ring = parseKeyRing(config.HEALTH_BILLING_DATA_KEYS);
  const pool = createPool(config.HEALTH_BILLING_DATABASE_URL, { applicationName: 'health-billing', max: 16, logger });
  await prepareSchema(pool);
  const store = postgresHealthBillingStore(pool, responseCodecOf(ring));
  const catalogue = new CatalogueCache(store);
  await catalogue.reload();

  const bus = await connectBus({ servers: config.NATS_URL, name: 'health-billing', logger });
  await ensureStream(bus.jsm, { name: config.HEALTH_BILLING_STREAM, subjects: [healthBillingEventSubjects.all] });
  const relay = startOutboxRelay({ pool, nc: bus.nc, logger, pollIntervalMs: config.HEALTH_BILLING_OUTBOX_POLL_MS });
  observeOutboxLag(pool);

  const issuerKeys = new IssuerKeys({ jwksUri: config.IDENTITY_JWKS_URL });
  const tokens = new AccessTokenVerifier({
    issuer: config.IDENTITY_ISSUER,
    audience: resources.healthBilling,
    issuerKeys,
  });
  const grpc = new GrpcServer({
    logger,
    authenticate: (token) => tokens.verify(token),
    adminScope: operatorScopes.healthBilling,
  });
  // Money moves on these bills: while the credential status bucket is not followed, presentations are refused
  // (REVOCATIONS_UNAVAILABLE) and the gRPC health says NOT_SERVING, as the wallet does.
  const statusFollower = new BucketFollower({
    nc: bus.nc,
    bucket: config.IDENTITY_STATUS_BUCKET,
    open: () => openExistingBucket(bus.js, config.IDENTITY_STATUS_BUCKET),
    onChange: (live, error, wasLive) => {
      grpc.setServing(healthBillingServiceName, live);
      if (!live && wasLive)
        logger.error('credential status no longer followed; refusing presentations until it is back', { error });
      else if (!live) logger.warn('credential status not followed yet (identity may still be starting)', { error });
    },
  });
  await untilReady(logger, 'credential status bucket', async () => {
    if (!(await statusFollower.startAndLoad(2_000))) throw new Error('the credential status bucket is not loaded yet');
  });
  const revocations = revocationsFrom(statusFollower, 'fail_closed');
  // Suspended clinics and insurers, rebuilt from identity's stream before any call is taken.
  const suspensionFollower = await untilReady(logger, 'service suspensions', () =>
    followSuspensions({ js: bus.js, stream: config.IDENTITY_STREAM, logger }),
  );

  const credentials = new ClientCredentials({
    tokenUrl: config.IDENTITY_TOKEN_URL,
    clientId: config.HEALTH_BILLING_CLIENT_ID,
    clientSecret: config.HEALTH_BILLING_CLIENT_SECRET,
    resource: resources.wallet,
    scope: (['charge', 'adjudicate', 'refund'] as const)
      .map((verb) => serviceScope(verb, config.HEALTH_BILLING_CLIENT_ID))
      .join(' '),
  });
  const deps: HealthBillingDeps = {
    store,
    sealer: sealerOf(ring),
    catalogue,
    verifier: new PresentationVerifier({
      issuer: config.IDENTITY_ISSUER,
      issuerKeys,
      revocations,
      replayCache: undefined,
      clockSkewMs,
      now,
    }),
    wallet: natsWalletLink(bus.nc, credentials),
    logger,
    payWithinMs: config.HEALTH_BILLING_PAY_WITHIN_S * 1_000,
    peerLimits: peerLimitsOf(config),
    currencies: new Set(config.HEALTH_BILLING_CURRENCIES.split(',')),
    now,
    authenticate: (token) => tokens.verify(token),
    suspensions: suspensionFollower.suspensions,
    fhirBaseUrl: config.HEALTH_BILLING_FHIR_BASE_URL.replace(/\/+$/, ''),
  };
  const identityEvents = await untilReady(logger, 'identity event stream', () =>
    startIdentityConsumer({ js: bus.js, jsm: bus.jsm, stream: config.IDENTITY_STREAM, store, logger }),
  );
  const sweeper = startBillSweeper(
    deps,
    config.HEALTH_BILLING_SWEEP_MS,
    logger,
    config.HEALTH_BILLING_PAYMENT_STALLED_MS,
  );
  const catalogueReload = startCatalogueReload(catalogue, logger);
  const presentationSweeper = startPresentationSweeper(store, now, 10_000, logger);

  addHealthBillingService(grpc, deps);
  const grpcPort = await grpc.listen(config.HEALTH_BILLING_GRPC_HOST, config.HEALTH_BILLING_GRPC_PORT);
  const adminGrpcPort = await grpc.listenAdmin(config.HEALTH_BILLING_GRPC_HOST, config.HEALTH_BILLING_ADMIN_GRPC_PORT);
  logger.info('health-billing started', { grpcPort, adminGrpcPort });

  return {
    grpcPort,
    adminGrpcPort,
    deps,
    async stop() {
      await grpc.shutdown(2_000);
      await sweeper.stop();
      await catalogueReload.stop();
      await presentationSweeper.stop();
      await identityEvents.stop();
      await suspensionFollower.stop();
      await statusFollower.stop();
      await relay.stop();
      await bus.close();
      await pool.end();
    },
  };
}
