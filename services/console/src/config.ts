// The console's environment. Parsed once at boot by main.ts; every problem is reported together.
import { env, loadConfig, type Config } from '@citypass/platform/config';

export const consoleSchema = {
  CONSOLE_HTTP_HOST: env.string({ default: '0.0.0.0' }),
  CONSOLE_HTTP_PORT: env.port({ default: 7500 }),
  CONSOLE_PUBLIC_URL: env.url({
    default: 'http://127.0.0.1:7500',
    description: 'the URL operators open (https in production: cookies are then Secure); /callback is its redirect URI',
  }),
  CONSOLE_IDENTITY_ISSUER: env.url({ default: 'http://127.0.0.1:7100', description: "identity's issuer URL" }),
  CONSOLE_CLIENT_ID: env.string({ default: 'console' }),
  CONSOLE_CLIENT_SECRET: env.secret({
    minLength: 32,
    description: "the console's client secret at identity (identity's IDENTITY_CONSOLE_CLIENT_SECRET)",
  }),
  CONSOLE_IDENTITY_GRPC: env.string({ default: '127.0.0.1:7101' }),
  CONSOLE_TRANSIT_GRPC: env.string({
    default: '127.0.0.1:7300',
    description:
      "transit's gRPC address (gates, fare rules, the deny list), called with the operator's own token; its admin " +
      'port where TRANSIT_ADMIN_GRPC_PORT is set (deployed: transit:7301)',
  }),
  CONSOLE_WALLET_GRPC: env.string({
    default: '127.0.0.1:7200',
    description: "the wallet's gRPC (operator reads); its admin port where WALLET_ADMIN_GRPC_PORT is set (wallet:7201)",
  }),
  NATS_URL: env.string({
    default: 'nats://127.0.0.1:4222',
    description: 'the live views read from NATS (deployed: the read-only console user, nats://console:<password>@...)',
  }),
  CONSOLE_SESSION_KEYS: env.secret({
    description:
      'keys that seal operator sessions (they hold tokens) in the shared bucket: "<id>:<32 bytes base64url>,..." ' +
      '(the first seals, all open; rotate by putting a new key first); every replica has the same ring',
  }),
  CONSOLE_SESSION_BUCKET: env.string({
    default: 'citypass_console_sessions',
    description: "the NATS KV bucket every console replica keeps sessions in (the console's NATS user may write it)",
  }),
  CONSOLE_SESSION_BUCKET_REPLICAS: env.int({
    default: 1,
    min: 1,
    max: 5,
    description: 'copies of the session bucket in a NATS cluster (used when the bucket is created)',
  }),
  CONSOLE_SESSION_IDLE_S: env.int({ default: 30 * 60, min: 60, max: 12 * 3600 }),
  CONSOLE_SESSION_LIFETIME_S: env.int({
    default: 12 * 3600,
    min: 300,
    max: 7 * 86_400,
    description: 'a session ends this long after sign-in however active it is',
  }),
  CONSOLE_REAUTH_MAX_AGE_S: env.int({
    default: 5 * 60,
    min: 0,
    description:
      'a dangerous action (revoking a credential, putting fare rules) asks for a new sign-in when the last is older',
  }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error'] as const, { default: 'info' }),
};

export type ConsoleConfig = Config<typeof consoleSchema>;

export function loadConsoleConfig(source: Record<string, string | undefined> = process.env): ConsoleConfig {
  return loadConfig(consoleSchema, source);
}
