// Where the gateway is and who the operator is. Each setting comes from the environment, else from the development
// settings `npm start` writes (so on a developer's machine `citypass` works with no setup), else the local default.
// The operator's client secret is never taken from the command line, where other users of the machine see it.
import { operatorScopes, resources } from '@citypass/contracts';
import { ClientCredentials } from '@citypass/platform/client_credentials';
import { devEnvPath, readDevEnv } from '@citypass/platform/dev_env';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { IdentityServiceService } from '@citypass/proto/identity/v1/identity';
import { TransitServiceService, type Gate } from '@citypass/proto/transit/v1/transit';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { hasSession, sessionPath, sessionToken } from './operator_session.ts';

export interface Gateway {
  /** identity's issuer URL (its token endpoint is `<issuer>/token`). */
  readonly identityUrl: string;
  /** identity's gRPC address, host:port. */
  readonly identityGrpc: string;
  /** transit's gRPC address, host:port. */
  readonly transitGrpc: string;
  /** the wallet's gRPC address, host:port. */
  readonly walletGrpc: string;
  readonly operatorClientId: string;
  readonly operatorClientSecret: string;
  /** The operator's own sign-in (`citypass login`), used instead of the client credentials when present. */
  readonly operatorSession?: string;
}

export type IdentityClient = PromiseClient<typeof IdentityServiceService>;
export type TransitClient = PromiseClient<typeof TransitServiceService>;
export type WalletClient = PromiseClient<typeof WalletServiceService>;

/** The gateway this command talks to; undefined settings are reported by the caller as a usage error. */
export function gatewayFrom(env: NodeJS.ProcessEnv): Gateway | { missing: string } {
  // An operator client secret in the environment is an explicit choice (scripts); else the operator's own sign-in.
  const session = sessionPath(env);
  if (env.CITYPASS_OPERATOR_CLIENT_SECRET === undefined && hasSession(session))
    return { ...gatewayAddresses(env), operatorClientId: '', operatorClientSecret: '', operatorSession: session };
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

export function gatewayAddresses(
  env: NodeJS.ProcessEnv,
): Pick<Gateway, 'identityUrl' | 'identityGrpc' | 'transitGrpc' | 'walletGrpc'> {
  return {
    identityUrl: (env.CITYPASS_IDENTITY_URL ?? 'http://127.0.0.1:7100').replace(/\/+$/, ''),
    identityGrpc: env.CITYPASS_IDENTITY_GRPC ?? '127.0.0.1:7101',
    transitGrpc: env.CITYPASS_TRANSIT_GRPC ?? '127.0.0.1:7300',
    walletGrpc: env.CITYPASS_WALLET_GRPC ?? '127.0.0.1:7200',
  };
}

/** A token for one resource's operator API: the signed-in operator's own, else the operator client's. */
function operatorSignIn(gateway: Gateway, resource: string, scope: string): () => Promise<string> {
  const session = gateway.operatorSession;
  if (session !== undefined) return () => sessionToken(session, resource);
  const operator = new ClientCredentials({
    tokenUrl: `${gateway.identityUrl}/token`,
    clientId: gateway.operatorClientId,
    clientSecret: gateway.operatorClientSecret,
    resource,
    scope,
  });
  return () => operator.token();
}

/** identity's operator API (`identity:admin`). */
export function identityAsOperator(gateway: Gateway): IdentityClient {
  const token = operatorSignIn(gateway, resources.identity, operatorScopes.identity);
  return promiseClient(IdentityServiceService, gateway.identityGrpc, { metadata: async () => bearer(await token()) });
}

/** transit's operator API (`transit:admin`): gates and fare rules. */
export function transitAsOperator(gateway: Gateway): TransitClient {
  const token = operatorSignIn(gateway, resources.transit, operatorScopes.transit);
  return promiseClient(TransitServiceService, gateway.transitGrpc, { metadata: async () => bearer(await token()) });
}

/** Every gate of the network, page after page (ListGates answers at most 500 at a time). */
export async function everyGate(transit: TransitClient, search = ''): Promise<Gate[]> {
  const gates: Gate[] = [];
  let pageToken = '';
  do {
    const page = await transit.listGates({ pageSize: 500, pageToken, search });
    gates.push(...page.gates);
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return gates;
}

/** the wallet's operator API (`wallet:admin`): reads only, the books' reconciliation. */
export function walletAsOperator(gateway: Gateway): WalletClient {
  const token = operatorSignIn(gateway, resources.wallet, operatorScopes.wallet);
  return promiseClient(WalletServiceService, gateway.walletGrpc, { metadata: async () => bearer(await token()) });
}
