// A real identity (its own database, NATS and ports) with the console registered as its client, an operator
// account or two, and the console started in this process on a free port. With `services`, identity is the one of a
// transit harness (the wallet and transit beside it on the same NATS), and the console calls that transit and wallet
// and follows the live feeds there.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createLogger } from '@citypass/platform/log';
import { freePort } from '@citypass/platform/testing';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { CookieBrowser } from '../../identity/test/console_sign_in.ts';
import { secret, startHarness, type IdentityHarness } from '../../identity/test/harness.ts';
import { startTransitHarness, type TransitHarness } from '../../transit/test/harness.ts';
import { loadConsoleConfig, type ConsoleConfig } from '../src/config.ts';
import { startConsole, type RunningConsole } from '../src/server.ts';

export interface ConsoleHarness {
  readonly identity: IdentityHarness;
  /** With `services`: the wallet and transit (and their harness helpers). */
  readonly services: TransitHarness | undefined;
  readonly console: RunningConsole;
  readonly config: ConsoleConfig;
  readonly url: string;
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
  options: { services?: boolean } = {},
): Promise<ConsoleHarness> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const clientSecret = secret();
  const identityOverrides = {
    IDENTITY_CONSOLE_CLIENT_SECRET: clientSecret,
    IDENTITY_CONSOLE_REDIRECT_URIS: `${url}/callback`,
  };
  const services = options.services === true ? await startTransitHarness({}, identityOverrides) : undefined;
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
    LOG_LEVEL: 'error',
    ...overrides,
  });
  const running = await startConsole(config, createLogger('console-test', 'error'));
  return {
    identity,
    services,
    console: running,
    config,
    url,
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
      await running.stop();
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
  const start = await browser.request(`${h.url}/signin?return=${encodeURIComponent(returnTo)}`);
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
  return browser;
}
