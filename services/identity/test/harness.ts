// Starts a real identity (in this process) on its own database, its own nats-server and free ports, plus the
// clients a test needs: an operator gRPC client with a real access token, and raw HTTP.
import { randomBytes } from 'node:crypto';
import { IdentityServiceService } from '@citypass/proto/identity/v1/identity';
import { createLogger } from '@citypass/platform/log';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { freePort, startNatsServer, testPostgres, uniqueName, type LocalNats } from '@citypass/platform/testing';
import { loadIdentityConfig, type IdentityConfig } from '../src/config.ts';
import { startIdentity, type RunningIdentity } from '../src/server.ts';

export interface IdentityHarness {
  readonly issuer: string;
  readonly config: IdentityConfig;
  readonly nats: LocalNats;
  readonly databaseUrl: string;
  readonly identity: RunningIdentity;
  /** IdentityService as the operator; rejects with a DomainError carrying the server's reason. */
  readonly operator: PromiseClient<typeof IdentityServiceService>;
  /** IdentityService with no token at all. */
  readonly anonymous: PromiseClient<typeof IdentityServiceService>;
  operatorToken(): Promise<string>;
  clientCredentialsToken(clientId: string, secret: string, resource: string, scope: string): Promise<Response>;
  /** Onboards a city service and returns its client secret and an access token for `resource` with all its scopes. */
  onboardWithToken(
    name: string,
    extraScopes: string[],
    resource: string,
  ): Promise<{ clientSecret: string; token: string }>;
  stop(): Promise<void>;
}

export const secret = (): string => randomBytes(32).toString('base64url');

/**
 * `options.natsConfig`: extra nats-server configuration (users and permissions); `options.natsUser` then names the
 * `user:password` identity connects with.
 */
export async function startHarness(
  overrides: Record<string, string> = {},
  options: { natsConfig?: string; natsUser?: string } = {},
): Promise<IdentityHarness> {
  const database = await testPostgres();
  const nats = await startNatsServer(options.natsConfig === undefined ? {} : { config: options.natsConfig });
  const natsUrl =
    options.natsUser === undefined ? nats.url : nats.url.replace('nats://', `nats://${options.natsUser}@`);
  const httpPort = await freePort();
  const issuer = `http://127.0.0.1:${httpPort}`;
  const operatorSecret = secret();
  const config = loadIdentityConfig({
    IDENTITY_ISSUER: issuer,
    IDENTITY_HTTP_HOST: '127.0.0.1',
    IDENTITY_HTTP_PORT: String(httpPort),
    IDENTITY_GRPC_HOST: '127.0.0.1',
    IDENTITY_GRPC_PORT: '0',
    IDENTITY_DATABASE_URL: database.url,
    NATS_URL: natsUrl,
    IDENTITY_STREAM: uniqueName('identity').toUpperCase(),
    IDENTITY_STATUS_BUCKET: uniqueName('status'),
    IDENTITY_KEY_ENCRYPTION_KEY: secret(),
    IDENTITY_COOKIE_KEYS: secret(),
    IDENTITY_OPERATOR_CLIENT_SECRET: operatorSecret,
    LOG_LEVEL: 'error',
    ...overrides,
  });
  const identity = await startIdentity(config, createLogger('identity-test', 'error'));
  // Refreshed a minute before it expires: a bench on a loaded machine outlives one operator token (5 minutes).
  let cached: { token: string; refreshAtMs: number } | undefined;
  const operator = promiseClient(IdentityServiceService, `127.0.0.1:${identity.grpcPort}`, {
    metadata: async () => bearer(await operatorToken()),
  });
  const anonymous = promiseClient(IdentityServiceService, `127.0.0.1:${identity.grpcPort}`);

  const clientCredentialsToken = (
    clientId: string,
    clientSecret: string,
    resource: string,
    scope: string,
  ): Promise<Response> =>
    fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
    });
  const operatorToken = async (): Promise<string> => {
    if (cached !== undefined && Date.now() < cached.refreshAtMs) return cached.token;
    const response = await clientCredentialsToken(
      'operator',
      operatorSecret,
      'urn:citypass:identity',
      'identity:admin',
    );
    if (response.status !== 200) throw new Error(`operator token: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { access_token: string; expires_in: number };
    cached = { token: body.access_token, refreshAtMs: Date.now() + (body.expires_in - 60) * 1000 };
    return cached.token;
  };

  return {
    issuer,
    config,
    nats,
    databaseUrl: database.url,
    identity,
    operator,
    anonymous,
    operatorToken,
    clientCredentialsToken,
    async onboardWithToken(name, extraScopes, resource) {
      const onboarded = await operator.onboardService({
        idempotencyKey: randomBytes(8).toString('hex'),
        name,
        displayName: name,
        contactEmail: `ops@${name}.example`,
        extraScopes,
        jwksJson: '',
        location: undefined,
      });
      const response = await clientCredentialsToken(name, onboarded.clientSecret, resource, onboarded.scopes.join(' '));
      if (response.status !== 200) throw new Error(`${name} token: ${response.status} ${await response.text()}`);
      const token = ((await response.json()) as { access_token: string }).access_token;
      return { clientSecret: onboarded.clientSecret, token };
    },
    async stop() {
      operator.close();
      anonymous.close();
      await identity.stop();
      await nats.stop();
      await database.drop();
    },
  };
}
