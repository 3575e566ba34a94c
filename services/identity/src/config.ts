// The identity service's environment. Parsed once at boot by main.ts; every problem is reported together.
import { defaultBucketNames, defaultStreamNames, identityEventSubjects } from '@citypass/contracts';
import { env, loadConfig, type Config } from '@citypass/platform/config';

export const identitySchema = {
  IDENTITY_ISSUER: env.url({
    default: 'http://127.0.0.1:7100',
    description: 'public issuer URL (https in production)',
  }),
  IDENTITY_HTTP_HOST: env.string({ default: '0.0.0.0' }),
  IDENTITY_HTTP_PORT: env.port({ default: 7100 }),
  IDENTITY_TRUST_PROXY: env.bool({
    default: false,
    description: 'trust X-Forwarded-* headers (only behind a proxy that overwrites them)',
  }),
  IDENTITY_GRPC_HOST: env.string({ default: '0.0.0.0' }),
  IDENTITY_GRPC_PORT: env.port({ default: 7101 }),
  IDENTITY_DATABASE_URL: env.url({
    default: 'postgres://postgres@127.0.0.1:5432/citypass_identity',
    protocols: ['postgres:', 'postgresql:'],
  }),
  NATS_URL: env.string({ default: 'nats://127.0.0.1:4222' }),
  IDENTITY_STREAM: env.string({
    default: defaultStreamNames.identity,
    description: `JetStream stream for ${identityEventSubjects.all}`,
  }),
  IDENTITY_STATUS_BUCKET: env.string({
    default: defaultBucketNames.credentialStatus,
    description: 'KV bucket of revoked credential ids',
  }),
  IDENTITY_KEY_ENCRYPTION_KEY: env.secret({
    minLength: 43,
    description: '32 random bytes, base64url: encrypts signing keys and client secrets at rest',
  }),
  IDENTITY_COOKIE_KEYS: env.secret({
    minLength: 32,
    description: 'comma-separated secrets that sign interaction cookies (first signs)',
  }),
  IDENTITY_OPERATOR_CLIENT_SECRET: env.secret({
    minLength: 32,
    description: 'client secret of the built-in "operator" client',
  }),
  IDENTITY_CONSOLE_CLIENT_SECRET: env.secret({
    minLength: 32,
    default: '',
    description: 'client secret of the operator console; empty: no console client',
  }),
  IDENTITY_CONSOLE_REDIRECT_URIS: env.string({
    default: 'http://127.0.0.1:7500/callback',
    description: 'comma-separated redirect URIs of the operator console',
  }),
  IDENTITY_APP_REDIRECT_URIS: env.string({
    default: 'citypass://auth/callback',
    description: 'comma-separated redirect URIs of the resident app',
  }),
  IDENTITY_CREDENTIAL_TTL_S: env.int({ default: 30 * 24 * 3600, min: 60, max: 366 * 24 * 3600 }),
  IDENTITY_ENROLLMENT_CODE_TTL_S: env.int({ default: 14 * 24 * 3600, min: 60 }),
  IDENTITY_KEY_ROTATION_S: env.int({
    default: 90 * 24 * 3600,
    min: 60,
    description: 'age after which a new signing key is made',
  }),
  IDENTITY_KEY_ACTIVATION_DELAY_S: env.int({
    default: 24 * 3600,
    min: 0,
    description: 'a new key is published this long before it signs',
  }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error'] as const, { default: 'info' }),
};

export type IdentityConfig = Config<typeof identitySchema>;

export function loadIdentityConfig(source: Record<string, string | undefined> = process.env): IdentityConfig {
  return loadConfig(identitySchema, source);
}
