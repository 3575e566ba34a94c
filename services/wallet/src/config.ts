// The wallet's environment. Parsed once at boot by main.ts; every problem is reported together.
import { isCurrencyCode } from '@citypass/platform/money';
import { defaultBucketNames, defaultStreamNames } from '@citypass/contracts';
import { ConfigError, env, loadConfig, type Config } from '@citypass/platform/config';
import { originProblems } from './domain/local_projection.ts';
import { riskPlacesProblems } from './domain/risk_places.ts';

export const walletSchema = {
  WALLET_GRPC_HOST: env.string({ default: '0.0.0.0' }),
  WALLET_GRPC_PORT: env.port({ default: 7200 }),
  WALLET_ADMIN_GRPC_PORT: env.port({
    default: 0,
    description:
      "operators' gRPC port on WALLET_GRPC_HOST: set, operators are served only there and refused on WALLET_GRPC_PORT " +
      '(ADMIN_PORT_REQUIRED); 0: WALLET_GRPC_PORT serves everyone',
  }),
  WALLET_DATABASE_URL: env.url({
    default: 'postgres://postgres@127.0.0.1:5432/citypass_wallet',
    protocols: ['postgres:', 'postgresql:'],
  }),
  NATS_URL: env.string({ default: 'nats://127.0.0.1:4222' }),
  WALLET_STREAM: env.string({
    default: defaultStreamNames.wallet,
    description: 'JetStream stream for wallet.v1.events.>',
  }),
  IDENTITY_STREAM: env.string({
    default: defaultStreamNames.identity,
    description: "identity's stream, consumed to open accounts",
  }),
  WALLET_IDENTITY_CONSUMER: env.natsName({
    default: 'wallet-accounts',
    description:
      "the durable consumer on identity's stream; each wallet deployment with a database of its own (a second one on the same NATS) needs its own",
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
  WALLET_CURRENCIES: env.string({
    default: 'EUR',
    description: 'comma-separated ISO 4217 codes; the first is the default for new resident accounts',
  }),
  WALLET_HOLD_TTL_DEFAULT_S: env.int({ default: 15 * 60, min: 1 }),
  WALLET_HOLD_TTL_MAX_S: env.int({ default: 7 * 24 * 3600, min: 1 }),
  WALLET_HOLD_SWEEP_MS: env.int({ default: 1000, min: 10 }),
  WALLET_TAP_SETTLEMENT_WINDOW_S: env.int({
    default: 14 * 24 * 3600,
    min: 60,
    max: 90 * 24 * 3600,
    description:
      'how old a tap (settles_tap) may be when its fare is charged; measured from the presentation issue time',
  }),
  WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: env.int({ default: 30, min: 1 }),
  WALLET_RISK_DAILY_LIMIT_MINOR: env.int({ default: 50_000, min: 1 }),
  WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: env.int({ default: 30_000, min: 1 }),
  WALLET_RISK: env.oneOf(['on', 'observe', 'off'] as const, {
    default: 'on',
    description:
      "risk engine on every authorization and charge: on (refuses), observe (decides and stores, refuses only block-list matches: a rule set's trial run on real traffic), off",
  }),
  WALLET_RISK_BLOCK_LIST: env.string({
    default: '',
    description:
      'comma-separated resident:<uuid>, device:<key thumbprint> or merchant:<service> entries the risk engine declines',
  }),
  // Taps (workers/tap_follower.ts): followed only when a station is placed or positions can be (an origin).
  WALLET_RISK_PLACES: env.string({
    default: '',
    description:
      "comma-separated station:<id>=<xKm>/<yKm> and merchant:<service>=<xKm>/<yKm> (km from the city's south-west corner) for impossible travel; an entry wins over a learned position; with a station placed, transit's taps are followed",
  }),
  WALLET_RISK_ORIGIN: env.string({
    default: '',
    description:
      "the city's south-west corner as <latitude>,<longitude> (decimal degrees): stations' positions from transit's taps (GTFS stop_lat/stop_lon) and merchants' onboarding locations are placed in km from it (domain/local_projection.ts) and transit's taps are followed; empty: only WALLET_RISK_PLACES places",
  }),
  WALLET_RISK_TAP_REPLAY_S: env.int({
    default: 2 * 3600,
    min: 60,
    max: 30 * 24 * 3600,
    description: "how far back transit's taps are replayed at start",
  }),
  TRANSIT_STREAM: env.string({
    default: defaultStreamNames.transit,
    description: "transit's stream, whose taps the risk engine follows",
  }),
  WALLET_RISK_SHARE: env.oneOf(['on', 'off'] as const, {
    default: 'on',
    description:
      "on: each risk outcome an instance records is shared with every other instance through the WALLET_RISK_OUTCOMES stream, so instances agree on a resident's counters (bus/risk_outcomes.ts); off: one instance only",
  }),
  WALLET_RISK_RULES_POLL_MS: env.int({
    default: 2_000,
    min: 10,
    max: 60_000,
    description:
      "how often each wallet instance reads the live risk rule set and candidate (so instances agree) and writes its candidate's shadow tally",
  }),
  WALLET_RISK_PROMOTE_MIN_DECISIONS: env.int({
    default: 1_000,
    min: 1,
    description: 'payments a candidate risk rule set must have decided in shadow before it may be promoted',
  }),
  WALLET_ACCOUNT_MAX_WAITING: env.int({
    default: 32,
    min: 0,
    max: 10_000,
    description: 'writes that may wait behind another on one resident account; past it ACCOUNT_BUSY (retry later)',
  }),
  WALLET_MAX_QUEUED_WRITES: env.int({
    default: 2048,
    min: 1,
    max: 1_000_000,
    description: 'writes queued in the wallet at once (all accounts, waiting or in a batch); past it WALLET_OVERLOADED',
  }),
  WALLET_LEDGER_BATCH_MAX: env.int({
    default: 32,
    min: 1,
    max: 64,
    description:
      'authorizations, captures, voids or charges committed together in one transaction (group commit); 1: one each',
  }),
  WALLET_COUNTS_FLUSH_MS: env.int({
    default: 1000,
    min: 10,
    max: 60_000,
    description:
      'how often the declines counted in memory and the risk decisions declined are written, and the counts published',
  }),
  WALLET_OUTBOX_POLL_MS: env.int({ default: 50, min: 5, description: 'relay poll interval (it also wakes on NOTIFY)' }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error'] as const, { default: 'info' }),
};

export type WalletConfig = Config<typeof walletSchema>;

export function loadWalletConfig(source: Record<string, string | undefined> = process.env): WalletConfig {
  const config = loadConfig(walletSchema, source);
  const malformed = config.WALLET_CURRENCIES.split(',').filter((currency) => !isCurrencyCode(currency));
  const problems = [
    ...malformed.map((currency) => `WALLET_CURRENCIES: ${JSON.stringify(currency)} is not an ISO 4217 code`),
    ...blockListProblems(config.WALLET_RISK_BLOCK_LIST),
    ...riskPlacesProblems(config.WALLET_RISK_PLACES),
    ...originProblems(config.WALLET_RISK_ORIGIN),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const blockKinds = { resident: 'residents', device: 'devices', merchant: 'merchants' } as const;
type RiskBlock = { readonly kind: (typeof blockKinds)[keyof typeof blockKinds]; readonly id: string };

/** WALLET_RISK_BLOCK_LIST as entries; throws ConfigError for a malformed one. */
export function riskBlockList(list: string): RiskBlock[] {
  const problems = blockListProblems(list);
  if (problems.length > 0) throw new ConfigError(problems);
  return entriesOf(list).map((entry) => {
    const [kind, id] = splitEntry(entry);
    return { kind: blockKinds[kind as keyof typeof blockKinds], id };
  });
}

function blockListProblems(list: string): string[] {
  return entriesOf(list)
    .filter((entry) => {
      const [kind, id] = splitEntry(entry);
      return !Object.hasOwn(blockKinds, kind) || id === '';
    })
    .map((entry) => `WALLET_RISK_BLOCK_LIST: ${JSON.stringify(entry)} is not resident:, device: or merchant:<id>`);
}

function entriesOf(list: string): string[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function splitEntry(entry: string): [string, string] {
  const colon = entry.indexOf(':');
  return colon < 0 ? [entry, ''] : [entry.slice(0, colon), entry.slice(colon + 1)];
}
