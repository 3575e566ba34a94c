// Post-processing of three oidc-provider responses where its defaults do not say what identity does.
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * OpenID4VCI 1.0 section 8.3.1.2: errors about the credential request itself are a JSON body with HTTP 400.
 * oidc-provider also sends them as a WWW-Authenticate challenge, which a client reads as "your access token was
 * refused" (oauth4webapi throws its challenge error). The challenge stays for access-token errors only
 * (invalid_token, insufficient_scope, invalid_dpop_proof and use_dpop_nonce, RFC 6750 and RFC 9449).
 */
const credentialRequestErrors: ReadonlySet<string> = new Set([
  'invalid_credential_request',
  'unknown_credential_configuration',
  'unknown_credential_identifier',
  'invalid_proof',
  'invalid_nonce',
  'invalid_encryption_parameters',
  'credential_request_denied',
]);

export function installResponseRules(provider: Provider, scopesSupported: readonly string[]): void {
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>) => {
    await next();
    const body = bodyOf(ctx);
    if (body === undefined) return;
    const route = ctx.oidc.route;
    if (
      route === 'credential' &&
      ctx.status === 400 &&
      typeof body.error === 'string' &&
      credentialRequestErrors.has(body.error)
    ) {
      ctx.remove('www-authenticate');
    } else if (route === 'token' && ctx.status === 200) {
      grantedScopeInTokenResponse(ctx, body);
    } else if (route === 'discovery') {
      body.scopes_supported = [...scopesSupported];
    }
  });
}

/**
 * The token response's `scope` is the access token's scope (the resource's, e.g. citypass_resident); when an ID
 * token is issued the OpenID scopes granted for it (openid) were granted too, so they are reported with it.
 */
function grantedScopeInTokenResponse(ctx: KoaContextWithOIDC, body: Record<string, unknown>): void {
  const { Grant: grant, AuthorizationCode: code } = ctx.oidc.entities;
  if (typeof body.id_token !== 'string' || grant === undefined || code === undefined || typeof code.scope !== 'string')
    return;
  const openIdScopes = grant.getOIDCScopeFiltered(new Set(code.scope.split(' '))).split(' ');
  const accessTokenScopes = typeof body.scope === 'string' ? body.scope.split(' ') : [];
  body.scope = [...new Set([...openIdScopes, ...accessTokenScopes])].filter((scope) => scope !== '').join(' ');
}

function bodyOf(ctx: KoaContextWithOIDC): Record<string, unknown> | undefined {
  const body: unknown = ctx.body;
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}
