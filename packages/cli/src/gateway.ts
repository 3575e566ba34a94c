// Where the gateway is and who the operator is. Each setting comes from the environment, else from the development
// settings `npm start` writes (so on a developer's machine `citypass` works with no setup), else the local default.
// The operator's client secret is never taken from the command line, where other users of the machine see it.
import { operatorScopes, resources } from '@citypass/contracts';
import { ClientCredentials } from '@citypass/platform/client_credentials';
import { devEnvPath, readDevEnv } from '@citypass/platform/dev_env';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { IdentityServiceService } from '@citypass/proto/identity/v1/identity';

export interface Gateway {
  /** identity's issuer URL (its token endpoint is `<issuer>/token`). */
  readonly identityUrl: string;
  /** identity's gRPC address, host:port. */
  readonly identityGrpc: string;
  readonly operatorClientId: string;
  readonly operatorClientSecret: string;
}

export type IdentityClient = PromiseClient<typeof IdentityServiceService>;

/** The gateway this command talks to; undefined settings are reported by the caller as a usage error. */
export function gatewayFrom(env: NodeJS.ProcessEnv): Gateway | { missing: string } {
  const dev = readDevEnv(devEnvPath(env));
  const secret = env.CITYPASS_OPERATOR_CLIENT_SECRET ?? dev.IDENTITY_OPERATOR_CLIENT_SECRET;
  if (secret === undefined || secret === '')
    return {
      missing: `no operator secret: set CITYPASS_OPERATOR_CLIENT_SECRET, or run \`npm start\` once (it writes ${devEnvPath(env)})`,
    };
  return {
    ...gatewayAddresses(env),
    operatorClientId: env.CITYPASS_OPERATOR_CLIENT_ID ?? 'operator',
    operatorClientSecret: secret,
  };
}

export function gatewayAddresses(env: NodeJS.ProcessEnv): Pick<Gateway, 'identityUrl' | 'identityGrpc'> {
  return {
    identityUrl: (env.CITYPASS_IDENTITY_URL ?? 'http://127.0.0.1:7100').replace(/\/+$/, ''),
    identityGrpc: env.CITYPASS_IDENTITY_GRPC ?? '127.0.0.1:7101',
  };
}

/** identity's operator API, signed in with the operator's client credentials (`identity:admin`). */
export function identityAsOperator(gateway: Gateway): IdentityClient {
  const operator = new ClientCredentials({
    tokenUrl: `${gateway.identityUrl}/token`,
    clientId: gateway.operatorClientId,
    clientSecret: gateway.operatorClientSecret,
    resource: resources.identity,
    scope: operatorScopes.identity,
  });
  return promiseClient(IdentityServiceService, gateway.identityGrpc, {
    metadata: async () => bearer(await operator.token()),
  });
}
