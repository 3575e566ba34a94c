// The console as identity's OIDC client (oauth4webapi): authorization code + PKCE, pushed authorization
// requests (identity requires them), the operator's ID token (roles, auth_time), and one access token per resource
// got by refreshing with a resource parameter (RFC 8707). Tokens are never logged or shown.
import { isDepartment, operatorClaimNames, operatorScopes, resources, type OperatorScope } from '@citypass/contracts';
import { unauthenticated } from '@citypass/platform/errors';
import * as oauth from 'oauth4webapi';
import { sessionExpired, type HeldToken, type PendingSignIn, type SignedIn } from './sessions.ts';

/** Every admin scope; identity grants the part the operator's roles allow. */
const requestedScope = ['openid', ...Object.values(operatorScopes)].join(' ');
const requestedResources = [resources.identity, resources.transit, resources.wallet];

export interface PublishedKey {
  readonly kid: string;
  readonly algorithm: string;
}

export interface OidcClientOptions {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly now?: () => number;
}

export class OidcClient {
  readonly #options: OidcClientOptions;
  readonly #client: oauth.Client;
  readonly #auth: oauth.ClientAuth;
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- plain http to identity in development only
  readonly #http: { [oauth.allowInsecureRequests]?: boolean };
  #server: Promise<oauth.AuthorizationServer> | undefined;

  constructor(options: OidcClientOptions) {
    this.#options = options;
    this.#client = { client_id: options.clientId, id_token_signed_response_alg: 'ES256' };
    this.#auth = oauth.ClientSecretBasic(options.clientSecret);
    // Development runs identity on plain http at 127.0.0.1; production uses https.
    this.#http =
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- only when the issuer itself is http
      new URL(options.issuer).protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};
  }

  #authorizationServer(): Promise<oauth.AuthorizationServer> {
    this.#server ??= (async () => {
      const issuer = new URL(this.#options.issuer);
      return oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...this.#http }),
      );
    })();
    // A failed discovery (identity not up yet) is tried again next time.
    this.#server.catch(() => {
      this.#server = undefined;
    });
    return this.#server;
  }

  /** Pushes the authorization request; the URL of identity's sign-in to send the browser to. */
  async startSignIn(returnTo: string, maxAgeS: number | undefined): Promise<{ pending: PendingSignIn; url: string }> {
    const as = await this.#authorizationServer();
    const pending: PendingSignIn = {
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      verifier: oauth.generateRandomCodeVerifier(),
      returnTo,
      maxAgeS,
    };
    const parameters = new URLSearchParams({
      redirect_uri: this.#options.redirectUri,
      response_type: 'code',
      scope: requestedScope,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      ...(maxAgeS === undefined ? {} : { max_age: String(maxAgeS) }),
    });
    for (const resource of requestedResources) parameters.append('resource', resource);
    const response = await oauth.pushedAuthorizationRequest(as, this.#client, this.#auth, parameters, this.#http);
    const pushed = await oauth.processPushedAuthorizationResponse(as, this.#client, response);
    const url = new URL(as.authorization_endpoint ?? `${this.#options.issuer}/auth`);
    url.searchParams.set('client_id', this.#options.clientId);
    url.searchParams.set('request_uri', pushed.request_uri);
    return { pending, url: url.toString() };
  }

  /** Checks identity's answer against the pending sign-in and exchanges the code (for identity's own API). */
  async finishSignIn(pending: PendingSignIn, callbackUrl: URL): Promise<SignedIn> {
    const as = await this.#authorizationServer();
    const parameters = oauth.validateAuthResponse(as, this.#client, callbackUrl, pending.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      this.#client,
      this.#auth,
      parameters,
      this.#options.redirectUri,
      pending.verifier,
      { additionalParameters: { resource: resources.identity }, ...this.#http },
    );
    const result = await oauth.processAuthorizationCodeResponse(as, this.#client, response, {
      expectedNonce: pending.nonce,
      requireIdToken: true,
      ...(pending.maxAgeS === undefined ? {} : { maxAge: pending.maxAgeS }),
    });
    const claims = oauth.getValidatedIdTokenClaims(result);
    const subject = claims?.sub ?? '';
    if (!subject.startsWith('operator:') || result.refresh_token === undefined)
      throw unauthenticated('NOT_AN_OPERATOR', 'this account is not an operator account');
    const roles = Array.isArray(claims?.roles) ? claims.roles.filter((role) => typeof role === 'string') : [];
    return {
      subject,
      username: subject.slice('operator:'.length),
      roles,
      scope: scopeOfClaims(claims),
      authTimeMs: (typeof claims?.auth_time === 'number' ? claims.auth_time : 0) * 1000,
      refreshToken: result.refresh_token,
      tokens: { [resources.identity]: this.#held(result) },
    };
  }

  /**
   * A new access token for `resource` from the operator's refresh token, and the refresh token to keep when identity
   * rotated it. Callers make sure one refresh of a grant runs at a time (token_refresh.ts).
   */
  async refresh(
    refreshToken: string,
    resource: string,
  ): Promise<{ held: HeldToken; refreshToken: string | undefined }> {
    const as = await this.#authorizationServer();
    const response = await oauth.refreshTokenGrantRequest(as, this.#client, this.#auth, refreshToken, {
      additionalParameters: { resource },
      ...this.#http,
    });
    let result: oauth.TokenEndpointResponse;
    try {
      result = await oauth.processRefreshTokenResponse(as, this.#client, response);
    } catch (cause) {
      // Refresh refused (the operator disabled, the grant revoked or expired): they sign in again.
      throw sessionExpired(cause);
    }
    return { held: this.#held(result), refreshToken: result.refresh_token };
  }

  /** Ends the operator's grant at identity (sign-out): its refresh token and the tokens from it stop working. */
  async revoke(refreshToken: string): Promise<void> {
    const as = await this.#authorizationServer();
    const response = await oauth.revocationRequest(as, this.#client, this.#auth, refreshToken, this.#http);
    await oauth.processRevocationResponse(response);
  }

  /** The issuer's public keys as identity publishes them (its jwks_uri): each key's id and algorithm. */
  async publishedKeys(): Promise<PublishedKey[]> {
    const as = await this.#authorizationServer();
    if (as.jwks_uri === undefined) return [];
    const response = await fetch(as.jwks_uri, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`jwks answered ${response.status}`);
    const body = (await response.json()) as { keys?: { kid?: unknown; alg?: unknown }[] };
    return (body.keys ?? []).map((key) => ({
      kid: typeof key.kid === 'string' ? key.kid : '',
      algorithm: typeof key.alg === 'string' ? key.alg : 'not stated',
    }));
  }

  #held(result: oauth.TokenEndpointResponse): HeldToken {
    return {
      token: result.access_token,
      expiresAtMs: this.#now() + (result.expires_in ?? 60) * 1000,
      scope: result.scope ?? '',
    };
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}

/** The operator's scope from their ID token (contracts' operator_scope.ts); absent claims: unscoped. */
function scopeOfClaims(claims: Readonly<Record<string, unknown>> | undefined): OperatorScope {
  const merchant = claims?.[operatorClaimNames.merchant];
  const department = claims?.[operatorClaimNames.department];
  return {
    merchant: typeof merchant === 'string' ? merchant : '',
    department: typeof department === 'string' && isDepartment(department) ? department : '',
  };
}
