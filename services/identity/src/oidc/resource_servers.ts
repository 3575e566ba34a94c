// What an access token for each resource carries. Resource scopes (identity:admin, transit:admin, charge:<service>,
// gate:<service>, ...) are not OIDC scopes: each client's allowed set is kept in its own metadata, and each resource
// server hands out only its own scopes of that set, so no token carries a scope that another resource would
// honour: identity:admin only for identity, transit:admin and gate: only for transit, settle: only for the wallet.
import { errors, type ResourceServer } from 'oidc-provider';
import { resourceOfScope, resources } from '@citypass/contracts';
import { appClientId, credentialConfigurationId, operatorClientId } from './clients.ts';

/** Client metadata property holding the resource scopes a client may be granted. */
export const serviceScopesProperty = 'citypass_scopes';

export function allowedScopesOf(client: { [key: string]: unknown }): string {
  // oidc-provider keeps extra metadata under its snake_case name.
  const value = client[serviceScopesProperty];
  return typeof value === 'string' ? value : '';
}

/** The resource a token is for when the client names none. */
export function defaultResourceOf(clientId: string, credentialEndpoint: string): string {
  if (clientId === appClientId) return credentialEndpoint;
  return clientId === operatorClientId ? resources.identity : resources.wallet;
}

const knownResources: ReadonlySet<string> = new Set(Object.values(resources));

export function resourceServer(resource: string, clientScope: string, credentialEndpoint: string): ResourceServer {
  if (resource === credentialEndpoint) {
    return {
      scope: credentialConfigurationId,
      audience: credentialEndpoint,
      accessTokenFormat: 'opaque',
      accessTokenTTL: 600,
    };
  }
  if (!knownResources.has(resource)) throw new errors.InvalidTarget();
  const scope = clientScope
    .split(' ')
    .filter((granted) => resourceOfScope(granted) === resource)
    .join(' ');
  return { scope, audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 300, jwt: { sign: { alg: 'ES256' } } };
}
