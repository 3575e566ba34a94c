// The OpenID provider: PAR + PKCE (S256) + DPoP for the resident app (the FAPI 2.0 shape), client credentials
// with JWT access tokens for city services, and the OpenID4VCI credential endpoint that issues the mobile
// credential. Everything it stores goes through the PostgreSQL adapter.
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { credentialVct, importDevicePublicJwk } from '@citypass/credential';
import type { IdentityDeps } from '../app/deps.ts';
import { issueResidentCredential } from '../app/issue_credential.ts';
import { pgAdapterFactory } from '../store/oidc_adapter.ts';
import type { KeySet } from '../store/signing_keys.ts';
import { expiresAtS, installCNonces, uniqueCNonces } from './c_nonce.ts';
import { accountFinder, rolesInContext, type CitypassAccount } from './accounts.ts';
import {
  appClientId,
  cliClientId,
  consoleClientId,
  isOperatorSignInClient,
  consoleClientScopes,
  credentialConfigurationId,
  operatorClientId,
  operatorClientScopes,
  residentAppScopes,
} from './clients.ts';
import { devicePages } from './device_pages.ts';
import { checkProofFreshness, decodeProof } from './proof.ts';
import { allowedScopesOf, defaultResourceOf, resourceServer, serviceScopesProperty } from './resource_servers.ts';
import { installResponseRules } from './response_rules.ts';
import { adminScopesOfRoles, operatorClaimNames } from '@citypass/contracts';

export interface ProviderOptions {
  readonly deps: IdentityDeps;
  readonly keys: KeySet;
  readonly cookieKeys: readonly string[];
  readonly appRedirectUris: readonly string[];
  readonly operatorClientSecret: string;
  /** The console's client secret and redirect URIs; no console client when the secret is empty. */
  readonly console: { readonly clientSecret: string; readonly redirectUris: readonly string[] };
  /** 32 bytes; authenticates the c_nonce values for credential proofs (c_nonce.ts). */
  readonly nonceSecret: Buffer;
  /** Believe X-Forwarded-Proto/-Host (and so DPoP htu) only behind a proxy that sets them itself. */
  readonly trustProxy: boolean;
}

export function createProvider(options: ProviderOptions): Provider {
  const { deps } = options;
  const credentialEndpoint = `${deps.issuer}/credential`;
  const configuration: Configuration = {
    adapter: pgAdapterFactory(deps.pool, deps.box),
    clients: [
      {
        client_id: appClientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [...options.appRedirectUris],
        dpop_bound_access_tokens: true,
        require_pushed_authorization_requests: true,
      },
      {
        client_id: operatorClientId,
        client_secret: options.operatorClientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        [serviceScopesProperty]: operatorClientScopes.join(' '),
      },
      {
        client_id: cliClientId,
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        response_types: [],
        redirect_uris: [],
        [serviceScopesProperty]: consoleClientScopes.join(' '),
      },
      ...(options.console.clientSecret === ''
        ? []
        : [
            {
              client_id: consoleClientId,
              client_secret: options.console.clientSecret,
              token_endpoint_auth_method: 'client_secret_basic',
              grant_types: ['authorization_code', 'refresh_token'],
              response_types: ['code'],
              redirect_uris: [...options.console.redirectUris],
              // The console checks how long ago the operator signed in before a dangerous action.
              require_auth_time: true,
              [serviceScopesProperty]: consoleClientScopes.join(' '),
            },
          ]),
    ],
    jwks: { keys: options.keys.published.map((key) => ({ ...key.privateJwk })) },
    cookies: { keys: [...options.cookieKeys] },
    findAccount: accountFinder(deps),
    // Operators' ID tokens carry their roles and scope (residents have none); with userinfo off, the ID token is
    // where the console reads them, so claims are not held back from it (conformIdTokenClaims below).
    claims: { openid: ['sub', ...Object.values(operatorClaimNames)] },
    // The console's and the CLI's access tokens carry the operator's roles and scope too: each service decides from
    // them what the operator may see and do (its operator_scope.ts).
    extraTokenClaims: (ctx, token) => {
      if (token.kind !== 'AccessToken' || !isOperatorSignInClient(token.clientId)) return undefined;
      const account = ctx.oidc.account as CitypassAccount | undefined;
      return { ...(account?.operatorClaims ?? { [operatorClaimNames.roles]: [] }) };
    },
    // Only the console holds the refresh_token grant; it refreshes to get a token for each resource it calls.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Resource scopes are not OIDC scopes: each client's allowed set is kept in its own metadata and handed out
    // per resource server (resource_servers.ts).
    extraClientMetadata: {
      properties: [serviceScopesProperty],
      validator: (_ctx, key, value) => {
        if (
          key === serviceScopesProperty &&
          value !== undefined &&
          (typeof value !== 'string' || !/^[a-z0-9:_ -]*$/.test(value))
        ) {
          throw new errors.InvalidClientMetadata(`${serviceScopesProperty} must be a space-separated scope list`);
        }
      },
    },
    scopes: ['openid'],
    // Only the authorization code flow (PAR + PKCE + DPoP) is served; no implicit or hybrid response types.
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['client_credentials'], response_types: [] },
    enabledJWA: {
      dPoPSigningAlgValues: ['ES256'],
      clientAuthSigningAlgValues: ['ES256', 'PS256', 'RS256'],
      idTokenSigningAlgValues: ['ES256'],
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: 600,
      IdToken: 600,
      AuthorizationCode: 60,
      DeviceCode: 600,
      ClientCredentials: 300,
      Grant: 3600,
      Interaction: 600,
      PushedAuthorizationRequest: 60,
      Session: 3600,
      RefreshToken: 8 * 3600,
    },
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      // Every access token is for a resource (resourceIndicators below), and oidc-provider's userinfo endpoint
      // refuses tokens with an audience: it could never answer, so it is not served or advertised.
      userinfo: { enabled: false },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
      dPoP: { enabled: true },
      clientCredentials: { enabled: true },
      // Operators sign in to the `citypass` command line with a user code (RFC 8628), as themselves.
      deviceFlow: { enabled: true, ...devicePages },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, client) => defaultResourceOf(client.clientId, credentialEndpoint),
        useGrantedResource: () => true,
        // A console token carries only what the signed-in operator's roles allow (operator_roles.ts).
        getResourceServerInfo: async (ctx, resource, client) => {
          const allowed = allowedScopesOf(client);
          if (!isOperatorSignInClient(client.clientId)) return resourceServer(resource, allowed, credentialEndpoint);
          const ofRoles = adminScopesOfRoles(await rolesInContext(ctx, deps));
          const scope = allowed
            .split(' ')
            .filter((granted) => ofRoles.has(granted))
            .join(' ');
          return resourceServer(resource, scope, credentialEndpoint);
        },
      },
      openid4vci: {
        enabled: true,
        ack: 'experimental-01',
        credentialEndpointExpectedAudience: () => credentialEndpoint,
        nonceSecret: options.nonceSecret,
        credentialConfigurationsSupported: {
          [credentialConfigurationId]: {
            format: 'dc+sd-jwt',
            vct: credentialVct,
            scope: credentialConfigurationId,
            cryptographic_binding_methods_supported: ['jwk'],
            credential_signing_alg_values_supported: ['ES256'],
            proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256'] } },
          },
        },
        issueCredential: async (
          ctx: KoaContextWithOIDC,
          { proofs, account }: { proofs?: { jwt?: unknown[] }; account?: { accountId: string } },
        ) => {
          const proof = decodeProof(proofs?.jwt);
          checkProofFreshness(proof, deps.now());
          if (
            !(await ctx.oidc.provider.ReplayDetection.unique('credential-proof', proof.replayKey, proof.iatS + 120))
          ) {
            throw new errors.InvalidProof('jwt proof was already used');
          }
          if (!(await ctx.oidc.provider.ReplayDetection.unique('c_nonce', proof.nonce, expiresAtS(proof.nonce)))) {
            throw new errors.InvalidNonce(
              'the c_nonce was already used, retrieve a new c_nonce from the nonce endpoint',
            );
          }
          const device = importDevicePublicJwkOrThrow(proof.jwk);
          if (account === undefined) throw new errors.InvalidToken('access token has no account');
          const issued = await issueResidentCredential(deps, account.accountId, device);
          return { credentials: [{ credential: issued.credential }] };
        },
      },
    },
  } as Configuration;
  const provider = new Provider(deps.issuer, configuration);
  provider.proxy = options.trustProxy;
  installCNonces(provider, uniqueCNonces(options.nonceSecret, deps.now));
  installResponseRules(provider, residentAppScopes);
  return provider;
}

function importDevicePublicJwkOrThrow(jwk: unknown): ReturnType<typeof importDevicePublicJwk>['jwk'] {
  try {
    return importDevicePublicJwk(jwk).jwk;
  } catch {
    throw new errors.InvalidProof('jwt proof key must be a public EC P-256 key');
  }
}
