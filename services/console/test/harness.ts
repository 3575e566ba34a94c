// A real identity (its own database, NATS and ports) with the console registered as its client, an operator
// account or two, and the console started in this process on a free port. With `services`, identity is the one of a
// transit harness (the wallet and transit beside it on the same NATS), and the console calls that transit and wallet
// and follows the live feeds there.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connectBus, type Bus } from '@citypass/platform/bus';
import { generateKeyRingText, parseKeyRing } from '@citypass/platform/key_ring';
import { createLogger, type Logger } from '@citypass/platform/log';
import { freePort, reservePort } from '@citypass/platform/testing';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { CookieBrowser } from '../../identity/test/console_sign_in.ts';
import { secret, startHarness, type IdentityHarness } from '../../identity/test/harness.ts';
import { startTransitHarness, type TransitHarness } from '../../transit/test/harness.ts';
import { loadConsoleConfig, type ConsoleConfig } from '../src/config.ts';
import { cookieName } from '../src/auth_routes.ts';
import { startConsole, type RunningConsole } from '../src/server.ts';
import { SessionStore } from '../src/session_store.ts';

export interface ConsoleHarness {
  readonly identity: IdentityHarness;
  /** With `services`: the wallet and transit (and their harness helpers). */
  readonly services: TransitHarness | undefined;
  readonly console: RunningConsole;
  readonly config: ConsoleConfig;
  readonly url: string;
  /** The session bucket as a console replica sees it (same NATS, bucket and keys). */
  readonly sessions: SessionStore;
  /** Another console on its own port with the same configuration (behind one public URL, as a load balancer). */
  startReplica(logger?: Logger): Promise<{ url: string; console: RunningConsole }>;
  /**
   * Makes the session's last sign-in older than CONSOLE_REAUTH_MAX_AGE_S, as if that much time had passed: the next
   * dangerous action asks for a new sign-in, with no waiting on the wall clock.
   */
  ageSignIn(sessionId: string): Promise<void>;
  /** Makes an operator (optionally scoped to a merchant or department) and returns their password. */
  operator(
    username: string,
    roles: OperatorRole[],
    scope?: { merchant?: string; department?: string },
  ): Promise<string>;
  stop(): Promise<void>;
}

export async function startConsoleHarness(
  overrides: Record<string, string> = {},
  /** `walletOverrides`, `transitOverrides`: the wallet's and transit's environment, with `services`. */
  options: {
    services?: boolean;
    logger?: Logger;
    walletOverrides?: Record<string, string>;
    transitOverrides?: Record<string, string>;
  } = {},
): Promise<ConsoleHarness> {
  // Held until the console binds it: identity must know the console's address first, as a redirect URI.
  const reservation = await reservePort();
  const port = reservation.port;
  const url = `http://127.0.0.1:${port}`;
  const clientSecret = secret();
  const identityOverrides = {
    IDENTITY_CONSOLE_CLIENT_SECRET: clientSecret,
    IDENTITY_CONSOLE_REDIRECT_URIS: `${url}/callback`,
  };
  const services =
    options.services === true
      ? await startTransitHarness(options.transitOverrides ?? {}, identityOverrides, {
          wallet: options.walletOverrides ?? {},
        })
      : undefined;
  const identity = services?.wallet.identity ?? (await startHarness(identityOverrides));
  const config = loadConsoleConfig({
    CONSOLE_HTTP_HOST: '127.0.0.1',
    CONSOLE_HTTP_PORT: String(port),
    CONSOLE_PUBLIC_URL: url,
    CONSOLE_IDENTITY_ISSUER: identity.issuer,
    CONSOLE_CLIENT_SECRET: clientSecret,
    CONSOLE_IDENTITY_GRPC: `127.0.0.1:${identity.identity.grpcPort}`,
    ...(services === undefined
      ? {}
      : { CONSOLE_WALLET_GRPC: services.wallet.address, CONSOLE_TRANSIT_GRPC: services.address }),
    NATS_URL: identity.nats.url,
    CONSOLE_SESSION_KEYS: generateKeyRingText('test1'),
    LOG_LEVEL: 'error',
    ...overrides,
  });
  await reservation.release();
  const running = await startConsole(config, options.logger ?? createLogger('console-test', 'error')).catch(
    async (error: unknown) => {
      if (services === undefined) await identity.stop();
      else await services.stop();
      throw error;
    },
  );
  const bus: Bus = await connectBus({ servers: config.NATS_URL, name: 'console-test-sessions' });
  const sessions = await SessionStore.open(bus.js, {
    bucket: config.CONSOLE_SESSION_BUCKET,
    replicas: 1,
    ring: parseKeyRing(config.CONSOLE_SESSION_KEYS),
    idleMs: config.CONSOLE_SESSION_IDLE_S * 1000,
    lifetimeMs: config.CONSOLE_SESSION_LIFETIME_S * 1000,
    logger: createLogger('console-test-sessions', 'error'),
  });
  const replicas: RunningConsole[] = [];
  return {
    identity,
    services,
    console: running,
    config,
    url,
    sessions,
    async startReplica(logger = createLogger('console-replica', 'error')) {
      const replicaPort = await freePort();
      const replica = await startConsole({ ...config, CONSOLE_HTTP_PORT: replicaPort }, logger);
      replicas.push(replica);
      return { url: `http://127.0.0.1:${replicaPort}`, console: replica };
    },
    async ageSignIn(sessionId) {
      const session = (await sessions.load(sessionId)) ?? assert.fail('no such session');
      await sessions.change(session, (data) => {
        const signedIn = data.signedIn ?? assert.fail('nobody is signed in on this session');
        data.signedIn = { ...signedIn, authTimeMs: Date.now() - (config.CONSOLE_REAUTH_MAX_AGE_S + 1) * 1000 };
      });
    },
    async operator(username, roles, scope = {}) {
      const password = `pw-${randomBytes(12).toString('base64url')}`;
      await identity.operator.createOperator({
        idempotencyKey: `operator-${username}-${randomBytes(4).toString('hex')}`,
        username,
        roles,
        password,
        merchant: scope.merchant ?? '',
        department: scope.department ?? '',
      });
      return password;
    },
    async stop() {
      for (const replica of replicas) await replica.stop();
      await running.stop();
      await bus.close();
      if (services === undefined) await identity.stop();
      else await services.stop();
    },
  };
}

/** Signs in through identity's operator form without a browser; returns the cookie jar holding the console's session. */
export async function signIn(
  h: ConsoleHarness,
  username: string,
  password: string,
  returnTo = '/',
): Promise<CookieBrowser> {
  const browser = new CookieBrowser();
  await signInWith(h, browser, `/signin?return=${encodeURIComponent(returnTo)}`, username, password, returnTo);
  return browser;
}

/**
 * From `signinPath` on the console (e.g. where a dangerous action sent the browser: `/signin?fresh=1&return=...`)
 * through identity's operator form and back to the console's callback, which must send the browser to `returnTo`.
 */
export async function signInWith(
  h: ConsoleHarness,
  browser: CookieBrowser,
  signinPath: string,
  username: string,
  password: string,
  returnTo: string,
): Promise<void> {
  const start = await browser.request(new URL(signinPath, h.url).toString());
  assert.equal(start.status, 303);
  const atIdentity = await browser.follow(start.headers.get('location') ?? '', h.identity.issuer);
  assert.match(await atIdentity.response.text(), /Operator sign-in/);
  const back = await browser.follow(`${atIdentity.url}/operator`, h.identity.issuer, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }),
  });
  assert.ok(back.url.startsWith(`${h.url}/callback`), back.url);
  const callback = await browser.request(back.url);
  assert.equal(callback.status, 303, await callback.clone().text());
  assert.equal(callback.headers.get('location'), returnTo);
}

/** The console's session cookie in a cookie jar (plain http in tests, so without the __Host- prefix). */
export function sessionIdOf(browser: CookieBrowser): string {
  return browser.cookie(cookieName(false)) ?? assert.fail('no console session cookie');
}
