// Health billing's environment. Parsed once at boot by main.ts; every problem is reported together.
import { defaultBucketNames, defaultStreamNames } from '@citypass/contracts';
import { ConfigError, env, loadConfig, type Config } from '@citypass/platform/config';
import { defaultPeerLimits, peerLimitsProblems, type PeerLimits } from '@citypass/risk';

export const healthBillingSchema = {
  HEALTH_BILLING_GRPC_HOST: env.string({ default: '0.0.0.0' }),
  HEALTH_BILLING_GRPC_PORT: env.port({ default: 7400 }),
  HEALTH_BILLING_ADMIN_GRPC_PORT: env.port({
    default: 0,
    description:
      "operators' gRPC port on HEALTH_BILLING_GRPC_HOST: set, operators are served only there and refused on " +
      'HEALTH_BILLING_GRPC_PORT (ADMIN_PORT_REQUIRED); 0: HEALTH_BILLING_GRPC_PORT serves everyone',
  }),
  HEALTH_BILLING_DATABASE_URL: env.url({
    default: 'postgres://postgres@127.0.0.1:5432/citypass_health_billing',
    protocols: ['postgres:', 'postgresql:'],
  }),
  NATS_URL: env.string({ default: 'nats://127.0.0.1:4222' }),
  HEALTH_BILLING_STREAM: env.string({
    default: defaultStreamNames.healthBilling,
    description: 'JetStream stream for health_billing.v1.events.> (ids and money only)',
  }),
  IDENTITY_STREAM: env.string({
    default: defaultStreamNames.identity,
    description: "identity's stream, consumed to learn the clinics (bill:) and insurers (insure:) onboarded",
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
    description: 'where health-billing gets its wallet token (client_credentials)',
  }),
  HEALTH_BILLING_CLIENT_ID: env.string({
    default: 'health-billing',
    description:
      "health-billing's OIDC client (onboarded with adjudicate: and refund: scopes; charge: comes with onboarding)",
  }),
  HEALTH_BILLING_CLIENT_SECRET: env.secret({ description: "health-billing's OIDC client secret" }),
  HEALTH_BILLING_DATA_KEYS: env.secret({
    description:
      'keys that seal medical details at rest: "<id>:<32 bytes base64url>,..." (the first seals, all open; rotate by ' +
      'putting a new key first)',
  }),
  HEALTH_BILLING_CURRENCIES: env.string({
    default: 'EUR',
    description: 'comma-separated ISO 4217 codes plans and fee schedules may use (the wallet must run them too)',
  }),
  HEALTH_BILLING_PAY_WITHIN_S: env.int({
    default: 900,
    min: 30,
    max: 86_400,
    description: 'how long a finalized bill waits for the patient to pay before both shares are voided',
  }),
  HEALTH_BILLING_SWEEP_MS: env.int({
    default: 1_000,
    min: 10,
    description: 'how often bills past their deadline are voided and interrupted payments finished',
  }),
  HEALTH_BILLING_PAYMENT_STALLED_MS: env.int({
    default: 30_000,
    min: 100,
    description:
      "how long a payment may stay in its request's hands before the sweeper finishes it (after a crash or a lost answer)",
  }),
  HEALTH_BILLING_OUTBOX_POLL_MS: env.int({ default: 100, min: 5 }),
  HEALTH_BILLING_FHIR_BASE_URL: env.url({
    default: 'http://127.0.0.1:7400/fhir',
    protocols: ['http:', 'https:'],
    description:
      "the base URL of exported FHIR resources: Bundle fullUrls and health billing's own code systems live under it",
  }),
  // The clinic peers check at finalize (app/clinic_peers.ts): when a clinic's lines of a code are far enough above
  // the other clinics' to flag its bill for review (CLINIC_CODE_ABOVE_PEERS). Bounds: peerLimitsProblems.
  HEALTH_BILLING_PEER_WINDOW_DAYS: env.int({
    default: defaultPeerLimits.windowDays,
    description: "the trailing window a clinic's lines of a code are counted over, in days",
  }),
  HEALTH_BILLING_PEER_MINIMUM_PEERS: env.int({
    default: defaultPeerLimits.minimumPeers,
    description: 'fewer other clinics billing the code than this: no judgement',
  }),
  HEALTH_BILLING_PEER_MINIMUM_CLINIC_LINES: env.int({
    default: defaultPeerLimits.minimumClinicLines,
    description: "fewer of the clinic's lines of the code in the window (the bill's included) than this: no judgement",
  }),
  HEALTH_BILLING_PEER_SPREAD_MULTIPLE: env.number({
    default: defaultPeerLimits.spreadMultiple,
    description:
      "far above (flagged): more than the peers' median plus this many robust spreads (1.4826 x their median absolute deviation)",
  }),
  HEALTH_BILLING_PEER_MINIMUM_RATIO: env.number({
    default: defaultPeerLimits.minimumRatio,
    description: "far above (flagged): also more than this many times the peers' median",
  }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error'] as const, { default: 'info' }),
};

export type HealthBillingConfig = Config<typeof healthBillingSchema>;

/** Each of the peer limits' variable. */
const peerLimitVariables = {
  windowDays: 'HEALTH_BILLING_PEER_WINDOW_DAYS',
  minimumPeers: 'HEALTH_BILLING_PEER_MINIMUM_PEERS',
  minimumClinicLines: 'HEALTH_BILLING_PEER_MINIMUM_CLINIC_LINES',
  spreadMultiple: 'HEALTH_BILLING_PEER_SPREAD_MULTIPLE',
  minimumRatio: 'HEALTH_BILLING_PEER_MINIMUM_RATIO',
} as const satisfies Record<keyof PeerLimits, keyof typeof healthBillingSchema>;

export function peerLimitsOf(config: HealthBillingConfig): PeerLimits {
  return {
    windowDays: config.HEALTH_BILLING_PEER_WINDOW_DAYS,
    minimumPeers: config.HEALTH_BILLING_PEER_MINIMUM_PEERS,
    minimumClinicLines: config.HEALTH_BILLING_PEER_MINIMUM_CLINIC_LINES,
    spreadMultiple: config.HEALTH_BILLING_PEER_SPREAD_MULTIPLE,
    minimumRatio: config.HEALTH_BILLING_PEER_MINIMUM_RATIO,
  };
}

export function loadHealthBillingConfig(source: Record<string, string | undefined> = process.env): HealthBillingConfig {
  const config = loadConfig(healthBillingSchema, source);
  // The risk package's bounds, one line per variable: a problem names the limit it is about first.
  const limits = peerLimitsOf(config);
  const names = Object.keys(peerLimitVariables) as (keyof PeerLimits)[];
  const problems = peerLimitsProblems(limits).map((problem) => {
    const name = names.find((each) => problem.startsWith(`${each} `));
    return name === undefined
      ? `HEALTH_BILLING_PEER_*: ${problem}`
      : `${peerLimitVariables[name]}: ${problem} (got ${JSON.stringify(String(limits[name]))})`;
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
