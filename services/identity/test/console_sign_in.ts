// The console's sign-in as a test drives it with plain fetch: a cookie jar for identity's pages, PAR with the
// console's client secret, the operator form, the code exchange and refreshes for each resource.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { IdentityServiceService, type OperatorRole } from '@citypass/proto/identity/v1/identity';
import { secret, type IdentityHarness } from './harness.ts';

export class CookieBrowser {
  readonly #cookies = new Map<string, string>();

  /** The value of the cookie `name`, if one was set. */
  cookie(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string> | undefined), ...(cookie ? { cookie } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [name = '', ...value] = pair.split('=');
      if (name) this.#cookies.set(name.trim(), value.join('='));
    }
    return response;
  }

  /** Follows redirects while they stay on `origin`; returns the last response and where it pointed. */
  async follow(url: string, origin: string, init: RequestInit = {}): Promise<{ response: Response; url: string }> {
    let response = await this.request(url, init);
    let current = url;
    while (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location') ?? '', current).toString();
      if (!next.startsWith(origin)) return { response, url: next };
      current = next;
      response = await this.request(next);
    }
    return { response, url: current };
  }
}

export interface ConsoleClient {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
}

const basic = (client: ConsoleClient): string =>
  `Basic ${Buffer.from(`${client.clientId}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`;

/** Starts an authorization (PAR) and returns the URL of identity's sign-in page it leads to, and the verifier. */
export async function startAuthorization(
  browser: CookieBrowser,
  client: ConsoleClient,
  extra: Record<string, string> = {},
): Promise<{ page: Response; pageUrl: string; verifier: string; location: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const body = new URLSearchParams({
    client_id: client.clientId,
    response_type: 'code',
    redirect_uri: client.redirectUri,
    scope: 'openid identity:admin transit:admin wallet:admin',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  });
  for (const resource of ['urn:citypass:identity', 'urn:citypass:transit', 'urn:citypass:wallet'])
    body.append('resource', resource);
  const par = await fetch(`${client.issuer}/request`, {
    method: 'POST',
    headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  assert.equal(par.status, 201, await par.clone().text());
  const { request_uri: requestUri } = (await par.json()) as { request_uri: string };
  const { response, url } = await browser.follow(
    `${client.issuer}/auth?client_id=${client.clientId}&request_uri=${encodeURIComponent(requestUri)}`,
    client.issuer,
  );
  return { page: response, pageUrl: url, verifier, location: response.headers.get('location') ?? '' };
}

/** Posts the operator form; the redirect to the console (with its code) or the page shown instead. */
export async function submitOperatorForm(
  browser: CookieBrowser,
  client: ConsoleClient,
  pageUrl: string,
  username: string,
  password: string,
): Promise<{ response: Response; url: string }> {
  return browser.follow(`${pageUrl}/operator`, client.issuer, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }),
  });
}

export async function tokenRequest(client: ConsoleClient, form: Record<string, string>): Promise<Response> {
  return fetch(`${client.issuer}/token`, {
    method: 'POST',
    headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
}

export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The console client's environment for identity: a fresh secret and the redirect URI the helpers below use. */
export function consoleClientEnv(clientSecret: string, redirectUri = 'http://127.0.0.1:7599/callback') {
  return { IDENTITY_CONSOLE_CLIENT_SECRET: clientSecret, IDENTITY_CONSOLE_REDIRECT_URIS: redirectUri };
}

/**
 * Signs `username` in to the console with a fresh cookie jar and returns a way to get their access token for any
 * resource (the code exchange for the first, a refresh for each one after), and the ID token's claims.
 */
export async function signInOperator(
  client: ConsoleClient,
  username: string,
  password: string,
): Promise<{ idToken: Record<string, unknown>; accessToken(resource: string): Promise<string> }> {
  const browser = new CookieBrowser();
  // Every admin resource, health billing's too (which the console itself does not call).
  const started = await startAuthorization(browser, client, {
    scope: 'openid identity:admin transit:admin wallet:admin health-billing:admin',
    resource: 'urn:citypass:health-billing',
  });
  assert.equal(started.page.status, 200);
  const { url } = await submitOperatorForm(browser, client, started.pageUrl, username, password);
  const code = new URL(url).searchParams.get('code');
  assert.ok(url.startsWith(client.redirectUri) && code, url);
  const exchanged = await tokenRequest(client, {
    grant_type: 'authorization_code',
    code,
    code_verifier: started.verifier,
    redirect_uri: client.redirectUri,
    resource: 'urn:citypass:identity',
  });
  assert.equal(exchanged.status, 200, await exchanged.clone().text());
  const tokens = (await exchanged.json()) as { id_token: string; refresh_token: string };
  return {
    idToken: claimsOf(tokens.id_token),
    async accessToken(resource) {
      const refreshed = await tokenRequest(client, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        resource,
      });
      assert.equal(refreshed.status, 200, await refreshed.clone().text());
      return ((await refreshed.json()) as { access_token: string }).access_token;
    },
  };
}

/** Creates an operator with `roles` and `scope` and signs them in through the console client. */
export async function operatorSession(
  h: IdentityHarness,
  client: ConsoleClient,
  username: string,
  roles: OperatorRole[],
  scope: { merchant?: string; department?: string } = {},
): Promise<Awaited<ReturnType<typeof signInOperator>>> {
  const password = `pw-${secret()}`;
  await h.operator.createOperator({
    idempotencyKey: `create-${username}`,
    username,
    roles,
    password,
    merchant: scope.merchant ?? '',
    department: scope.department ?? '',
  });
  return signInOperator(client, username, password);
}

/**
 * Creates an operator (scoped as given) and signs them in: their session and an IdentityService client with their
 * identity token. The caller closes the client.
 */
export async function scopedOperator(
  h: IdentityHarness,
  client: ConsoleClient,
  username: string,
  roles: OperatorRole[],
  scope: { merchant?: string; department?: string },
): Promise<{
  session: Awaited<ReturnType<typeof signInOperator>>;
  identity: PromiseClient<typeof IdentityServiceService>;
}> {
  const session = await operatorSession(h, client, username, roles, scope);
  const token = await session.accessToken('urn:citypass:identity');
  const identity = promiseClient(IdentityServiceService, `127.0.0.1:${h.identity.grpcPort}`, {
    metadata: () => bearer(token),
  });
  return { session, identity };
}
