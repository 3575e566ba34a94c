// An operator's own sign-in for the command line: the device authorization grant (RFC 8628) against identity's
// public client `citypass-cli`. `citypass login` prints where to go and the user code, polls, and keeps the refresh
// token and the access tokens (one per resource) in ~/.config/citypass/session.json, readable by the user alone
// (0600). Commands then call each service with the operator's token for it, refreshed when about to expire.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { operatorScopes, resources } from '@citypass/contracts';
import { DomainError } from '@citypass/platform/errors';

export const cliClientId = 'citypass-cli';
const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';
const expiryMarginMs = 30_000;

interface StoredSession {
  readonly issuer: string;
  refreshToken: string;
  readonly tokens: Record<string, { token: string; expiresAtMs: number }>;
}

export function sessionPath(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), '.config'), 'citypass', 'session.json');
}

export const hasSession = (path: string): boolean => existsSync(path);

function save(path: string, session: StoredSession): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(session), { mode: 0o600 });
  chmodSync(path, 0o600);
}

async function post(
  url: string,
  fields: Record<string, string | string[]>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields))
    for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (cause) {
    throw new DomainError('unavailable', 'TOKEN_ENDPOINT_UNAVAILABLE', `identity at ${url} is unreachable`, { cause });
  }
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The device authorization grant, start to finish; `show` tells the operator where to go. */
export async function deviceLogin(
  issuer: string,
  path: string,
  show: (verificationUri: string, userCode: string, complete: string) => void,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<void> {
  const started = await post(`${issuer}/device/auth`, {
    client_id: cliClientId,
    scope: ['openid', ...Object.values(operatorScopes)].join(' '),
    resource: [resources.identity, resources.transit, resources.wallet],
  });
  if (started.status !== 200)
    throw new DomainError(
      'unauthenticated',
      'DEVICE_AUTHORIZATION_REFUSED',
      `identity refused (${str(started.body.error)})`,
    );
  show(str(started.body.verification_uri), str(started.body.user_code), str(started.body.verification_uri_complete));
  let intervalMs = (typeof started.body.interval === 'number' ? started.body.interval : 5) * 1000;
  const deadline = Date.now() + (typeof started.body.expires_in === 'number' ? started.body.expires_in : 600) * 1000;
  while (Date.now() < deadline) {
    await sleep(intervalMs);
    const polled = await post(`${issuer}/token`, {
      grant_type: deviceGrant,
      device_code: str(started.body.device_code),
      client_id: cliClientId,
    });
    const error = str(polled.body.error);
    if (error === 'authorization_pending') continue;
    if (error === 'slow_down') {
      intervalMs += 5_000;
      continue;
    }
    if (polled.status !== 200 || str(polled.body.refresh_token) === '')
      throw new DomainError(
        'unauthenticated',
        'SIGN_IN_REFUSED',
        `the sign-in did not complete (${error || polled.status})`,
      );
    const session: StoredSession = { issuer, refreshToken: str(polled.body.refresh_token), tokens: {} };
    keep(session, resources.identity, polled.body);
    save(path, session);
    return;
  }
  throw new DomainError('unauthenticated', 'SIGN_IN_REFUSED', 'the user code expired before the sign-in completed');
}

function keep(session: StoredSession, resource: string, body: Record<string, unknown>): string {
  const token = str(body.access_token);
  const lifetimeS = typeof body.expires_in === 'number' ? body.expires_in : 60;
  session.tokens[resource] = { token, expiresAtMs: Date.now() + lifetimeS * 1000 };
  return token;
}

/** The signed-in operator's token for `resource`, refreshed (and the session file updated) when needed. */
export async function sessionToken(path: string, resource: string): Promise<string> {
  const session = JSON.parse(readFileSync(path, 'utf8')) as StoredSession;
  const held = session.tokens[resource];
  if (held !== undefined && held.expiresAtMs - expiryMarginMs > Date.now()) return held.token;
  const refreshed = await post(`${session.issuer}/token`, {
    grant_type: 'refresh_token',
    refresh_token: session.refreshToken,
    client_id: cliClientId,
    resource,
  });
  if (refreshed.status !== 200)
    throw new DomainError('unauthenticated', 'SESSION_EXPIRED', 'the sign-in has expired; run citypass login again');
  if (str(refreshed.body.refresh_token) !== '') session.refreshToken = str(refreshed.body.refresh_token);
  const token = keep(session, resource, refreshed.body);
  save(path, session);
  return token;
}
