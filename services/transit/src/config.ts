// Transit's environment. Parsed once at boot by main.ts; every problem is reported together.
import { defaultBucketNames, defaultStreamNames } from '@citypass/contracts';
import { join } from 'node:path';
import { env, loadConfig, type Config } from '@citypass/platform/config';

/** The parts of transit an instance runs (TRANSIT_ROLE). */
export const transitRoles = ['all', 'gate', 'settlement'] as const;
export type TransitRole = (typeof transitRoles)[number];

export const transitSchema = {
  TRANSIT_GRPC_HOST: env.string({ default: '0.0.0.0' }),
  TRANSIT_GRPC_PORT: env.port({ default: 7300 }),
  TRANSIT_ADMIN_GRPC_PORT: env.port({
    default: 0,
    description:
      "operators' gRPC port on TRANSIT_GRPC_HOST: set, operators are served only there and refused on " +
      'TRANSIT_GRPC_PORT (ADMIN_PORT_REQUIRED); 0: TRANSIT_GRPC_PORT serves everyone',
  }),
  TRANSIT_DATABASE_URL: env.url({
    default: 'postgres://postgres@127.0.0.1:5432/citypass_transit',
    protocols: ['postgres:', 'postgresql:'],
  }),
  NATS_URL: env.string({ default: 'nats://127.0.0.1:4222' }),
  TRANSIT_STREAM: env.string({
    default: defaultStreamNames.transit,
    description: 'JetStream stream for transit.v1.events.>',
  }),
  TRANSIT_STREAM_MAX_AGE_S: env.int({
    default: 90 * 24 * 3600,
    // At least the longest window a consumer reads back: the wallet replays taps up to 30 days
    // (WALLET_RISK_TAP_REPLAY_S); nothing else consumes the stream.
    min: 30 * 24 * 3600,
    max: 3660 * 24 * 3600,
    description: "how long the stream keeps an event (every tap is one); at least the wallet's tap replay, 30 days",
  }),
  WALLET_STREAM: env.string({
    default: defaultStreamNames.wallet,
    description: "the wallet's stream, consumed for top-ups that pay a transit debt",
  }),
  TRANSIT_DENY_BUCKET: env.string({
    default: defaultBucketNames.transitDeny,
    description: 'KV bucket of denied resident ids (unpaid fares), watched by gates',
  }),
  IDENTITY_STREAM: env.string({
    default: defaultStreamNames.identity,
    description: "identity's stream, followed for suspended services (their gates' tokens are refused)",
  }),
  IDENTITY_STATUS_BUCKET: env.string({
    default: defaultBucketNames.credentialStatus,
    description: 'KV bucket of revoked credential ids',
  }),
  IDENTITY_ISSUER: env.url({
    default: 'http://127.0.0.1:7100',
    description: "identity's issuer URL (tokens' and credentials' iss)",
  }),
  IDENTITY_JWKS_URL: env.url({
    default: 'http://127.0.0.1:7100/jwks',
    description: "where identity's public keys are fetched",
  }),
  IDENTITY_TOKEN_URL: env.url({
    default: 'http://127.0.0.1:7100/token',
    description: 'where transit gets its wallet token (client_credentials)',
  }),
  TRANSIT_CLIENT_ID: env.string({
    default: 'transit',
    description:
      "transit's OIDC client (onboarded with settle:, refund: and gate: scopes; charge: comes with onboarding)",
  }),
  TRANSIT_CLIENT_SECRET: env.secret({ description: "transit's OIDC client secret" }),
  TRANSIT_GTFS_DIR: env.string({
    default: join(import.meta.dirname, '..', 'data', 'aurelia'),
    description: 'GTFS feed (stops, fares v2, citypass_fare_rules.json)',
  }),
  TRANSIT_SETTLE_INTERVAL_MS: env.int({
    default: 250,
    min: 10,
    description: 'how often settlement looks for riders with new taps',
  }),
  TRANSIT_SETTLE_CONCURRENCY: env.int({ default: 8, min: 1 }),
  TRANSIT_OUTBOX_POLL_MS: env.int({ default: 100, min: 5 }),
  TRANSIT_ROLE: env.oneOf(transitRoles, {
    default: 'all',
    description:
      "what this instance runs: 'gate' answers gates and riders (gRPC) and nothing in the background but the lists " +
      "it decides with; 'settlement' settles fares, collects debts and relays the outbox (gRPC health only); 'all' " +
      'both. Split deployments run at least one settlement instance, so the gate path never waits behind settlement',
  }),
  TRANSIT_NICE: env.int({
    default: 0,
    min: 0,
    max: 19,
    description:
      "this process's CPU niceness: a settlement instance sharing cores with gate instances takes 10-19, so taps get the CPU first",
  }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error'] as const, { default: 'info' }),
};

export type TransitConfig = Config<typeof transitSchema>;

export function loadTransitConfig(source: Record<string, string | undefined> = process.env): TransitConfig {
  return loadConfig(transitSchema, source);
}

/**
 * The operator's reconciliation with the wallet (reconcile.ts): transit's database and OIDC client, as the service
 * has them, and the wallet's gRPC address; transit's client needs `read:<client>` (granted at onboarding).
 */
export const reconcileSchema = {
  TRANSIT_DATABASE_URL: transitSchema.TRANSIT_DATABASE_URL,
  IDENTITY_TOKEN_URL: transitSchema.IDENTITY_TOKEN_URL,
  TRANSIT_CLIENT_ID: transitSchema.TRANSIT_CLIENT_ID,
  TRANSIT_CLIENT_SECRET: transitSchema.TRANSIT_CLIENT_SECRET,
  WALLET_GRPC_ADDRESS: env.string({
    default: '127.0.0.1:7200',
    description: "the wallet's gRPC address (host:port), where transit's holds are read",
  }),
  TRANSIT_RECONCILE_DAYS: env.int({
    default: 8,
    min: 1,
    max: 62,
    description: 'days back from today (UTC dates) whose journeys and holds are checked: by default the repriced week',
  }),
  TRANSIT_RECONCILE_PAGE_SIZE: env.int({
    default: 200,
    min: 1,
    max: 200,
    description: "wallet holds per ListHolds page (the wallet's limit is 200) and journeys per read of transit's books",
  }),
  TRANSIT_RECONCILE_MAX_HOLDS: env.int({ default: 200_000, min: 1 }),
  TRANSIT_RECONCILE_MAX_JOURNEYS: env.int({ default: 200_000, min: 1 }),
};

export type ReconcileConfig = Config<typeof reconcileSchema>;

export function loadReconcileConfig(source: Record<string, string | undefined> = process.env): ReconcileConfig {
  return loadConfig(reconcileSchema, source);
}
