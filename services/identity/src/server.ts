// Wires the identity service together: database, keys, OIDC provider, HTTP and gRPC listeners, outbox relay,
// revocation mirror and its resync, expired OIDC state cleanup, key rotation. main.ts calls it with the parsed
// config; integration tests call it too.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type Provider from 'oidc-provider';
import { identityEventSubjects } from '@citypass/contracts';
import { connectBus, ensureStream } from '@citypass/platform/bus';
import { GrpcServer } from '@citypass/platform/grpc';
import { Idempotency } from '@citypass/platform/idempotency';
import type { Logger } from '@citypass/platform/log';
import { observeOutboxLag, outboxMigrations, startOutboxRelay } from '@citypass/platform/outbox';
import { createPool, migrate } from '@citypass/platform/pg';
import { runPeriodically } from '@citypass/platform/periodic';
import { startRetentionPruner } from '@citypass/platform/retention';
import type { IdentityDeps } from './app/deps.ts';
import { appendAudit } from './store/audit.ts';
import type { IdentityConfig } from './config.ts';
import { openStatusBucket, resyncStatusBucket, startStatusMirror } from './bus/status_mirror.ts';
import { ownAccessTokenAuthenticator } from './grpc/authenticate.ts';
import { addIdentityService } from './grpc/identity_service.ts';
import { createHttpServer } from './oidc/http_server.ts';
import { createProvider } from './oidc/provider.ts';
import { deleteExpiredPayloads, payloadCleanup } from './store/oidc_cleanup.ts';
import { SecretBox } from './store/secret_box.ts';
import { loadKeySet, rotateNow, type KeySet } from './store/signing_keys.ts';

export interface RunningIdentity {
  readonly httpPort: number;
  readonly grpcPort: number;
  stop(): Promise<void>;
}

const keyCheckIntervalMs = 60_000;
const statusResyncIntervalMs = 5 * 60_000;

export async function startIdentity(config: IdentityConfig, logger: Logger): Promise<RunningIdentity> {
  const pool = createPool(config.IDENTITY_DATABASE_URL, { applicationName: 'identity', max: 20, logger });
  await migrate(pool, join(import.meta.dirname, 'store', 'migrations'), outboxMigrations(900));
  const box = new SecretBox(config.IDENTITY_KEY_ENCRYPTION_KEY);
  const credentialTtlMs = config.IDENTITY_CREDENTIAL_TTL_S * 1000;
  const policy = {
    rotationMs: config.IDENTITY_KEY_ROTATION_S * 1000,
    activationDelayMs: config.IDENTITY_KEY_ACTIVATION_DELAY_S * 1000,
    overlapMs: credentialTtlMs + 24 * 3600 * 1000,
  };
  let keys: KeySet = await loadKeySet(pool, box, policy);
  const deps: IdentityDeps = {
    pool,
    box,
    logger,
    idempotency: new Idempotency(box),
    issuer: config.IDENTITY_ISSUER,
    credentialTtlMs,
    enrollmentCodeTtlMs: config.IDENTITY_ENROLLMENT_CODE_TTL_S * 1000,
    keys: () => keys,
    now: Date.now,
  };
  const providerFor = (set: KeySet): Provider =>
    createProvider({
      deps,
      keys: set,
      cookieKeys: config.IDENTITY_COOKIE_KEYS.split(','),
      appRedirectUris: config.IDENTITY_APP_REDIRECT_URIS.split(','),
      operatorClientSecret: config.IDENTITY_OPERATOR_CLIENT_SECRET,
      console: {
        clientSecret: config.IDENTITY_CONSOLE_CLIENT_SECRET,
        redirectUris: config.IDENTITY_CONSOLE_REDIRECT_URIS.split(','),
      },
      nonceSecret: createHash('sha256').update(`c_nonce:${config.IDENTITY_KEY_ENCRYPTION_KEY}`).digest(),
      trustProxy: config.IDENTITY_TRUST_PROXY,
    });
  let provider = providerFor(keys);

  // A rotation that changes the published set rebuilds the provider; its state is all in PostgreSQL.
  const refreshKeys = async (): Promise<void> => {
    const next = await loadKeySet(pool, box, policy);
    if (next.version !== keys.version || next.signer.kid !== keys.signer.kid) {
      keys = next;
      provider = providerFor(next);
      logger.info('signing keys changed', { signer: next.signer.kid, published: next.published.length });
    }
  };
  const keyRefresh = runPeriodically({ name: 'key refresh', intervalMs: keyCheckIntervalMs, logger }, refreshKeys);

  const bus = await connectBus({ servers: config.NATS_URL, name: 'identity', logger });
  await ensureStream(bus.jsm, { name: config.IDENTITY_STREAM, subjects: [identityEventSubjects.all] });
  const relay = startOutboxRelay({ pool, nc: bus.nc, logger });
  observeOutboxLag(pool);
  const pruner = startRetentionPruner(pool, { logger });
  const kv = await openStatusBucket(bus.js, config.IDENTITY_STATUS_BUCKET, credentialTtlMs);
  const mirror = await startStatusMirror({ js: bus.js, jsm: bus.jsm, stream: config.IDENTITY_STREAM, kv, logger });
  // Opens (so recreates) the bucket on each run: a deleted bucket comes back with every revocation in it.
  const statusResync = runPeriodically(
    { name: 'revocation resync', intervalMs: statusResyncIntervalMs, logger, runAtStart: true },
    async () => {
      const put = await resyncStatusBucket(
        pool,
        await openStatusBucket(bus.js, config.IDENTITY_STATUS_BUCKET, credentialTtlMs),
      );
      if (put > 0) logger.warn('revocations missing from the status bucket were put again', { put });
    },
  );
  const cleanup = runPeriodically(
    { name: 'oidc payload cleanup', intervalMs: payloadCleanup.intervalMs, logger, runAtStart: true },
    async () => {
      await deleteExpiredPayloads(pool);
    },
  );

  const http = createHttpServer(deps, () => provider);
  http.listen(config.IDENTITY_HTTP_PORT, config.IDENTITY_HTTP_HOST);
  await once(http, 'listening');

  const grpc = new GrpcServer({
    logger,
    authenticate: ownAccessTokenAuthenticator(config.IDENTITY_ISSUER, () => keys, Date.now),
  });
  addIdentityService(grpc, deps, async (actor, reason) => {
    const key = await rotateNow(pool, box, policy.activationDelayMs);
    await appendAudit(pool, { actor, action: 'signing_key.rotated', subjectId: key.kid, details: { reason } });
    await refreshKeys();
    return { kid: key.kid, activatesAt: new Date(key.activatesAtMs) };
  });
  const grpcPort = await grpc.listen(config.IDENTITY_GRPC_HOST, config.IDENTITY_GRPC_PORT);
  const httpPort = (http.address() as AddressInfo).port;
  logger.info('identity started', { issuer: config.IDENTITY_ISSUER, httpPort, grpcPort, signer: keys.signer.kid });

  return {
    httpPort,
    grpcPort,
    async stop() {
      await keyRefresh.stop();
      await grpc.shutdown(2_000);
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
      await statusResync.stop();
      await cleanup.stop();
      await mirror.stop();
      await pruner.stop();
      await relay.stop();
      await bus.close();
      await pool.end();
    },
  };
}
