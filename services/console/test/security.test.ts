// The console's edges without a browser: sign-in required, the session cookie's flags, the CSP and other headers,
// CSRF on every POST, open redirects refused, and a full sign-in through identity's operator form.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createLogger } from '@citypass/platform/log';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { CookieBrowser } from '../../identity/test/console_sign_in.ts';
import { startConsole } from '../src/server.ts';
import { signIn, startConsoleHarness, type ConsoleHarness } from './harness.ts';

let h: ConsoleHarness;
before(async () => {
  h = await startConsoleHarness();
});
after(async () => {
  await h.stop();
});

test('console - pages need a signed-in operator; the session cookie is HttpOnly and SameSite=Lax; headers are strict', async () => {
  const response = await fetch(`${h.url}/audit?subject=x`, { redirect: 'manual' });
  assert.equal(response.status, 303);
  assert.equal(response.headers.get('location'), `/signin?return=${encodeURIComponent('/audit?subject=x')}`);
  assert.deepEqual(response.headers.getSetCookie(), [], 'a visitor who is only sent to sign in gets no session');
  // Signing in starts the session (in the shared store) and sets its cookie.
  const signin = await fetch(`${h.url}/signin?return=%2F`, { redirect: 'manual' });
  assert.equal(signin.status, 303);
  const cookie = signin.headers.getSetCookie()[0] ?? '';
  assert.match(cookie, /^citypass-console=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
  const callback = await fetch(`${h.url}/callback?code=x&state=y`, { redirect: 'manual' });
  assert.equal(callback.status, 400, 'a callback without a session has no sign-in to finish');
  assert.deepEqual(callback.headers.getSetCookie(), []);
  const csp = response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  const htmx = await fetch(`${h.url}/static/htmx.min.js`);
  assert.equal(htmx.status, 200);
  assert.match(await htmx.text(), /htmx/);
});

test('console - sign-in through identity lands on the return path, shows no token; CSRF is required on every POST', async () => {
  const password = await h.operator('carol', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const browser = await signIn(h, 'carol', password, '/onboard');
  const home = await browser.request(`${h.url}/`);
  const page = await home.text();
  assert.equal(home.status, 200);
  assert.match(page, /Signed in as <strong id="username">carol<\/strong>/);
  assert.match(page, /transit:admin/);
  assert.doesNotMatch(page, /eyJ/, 'no token on the page');
  const form = await (await browser.request(`${h.url}/onboard`)).text();
  const key = /name="idempotency_key" value="([^"]+)"/.exec(form)?.[1] ?? '';
  const forged = await browser.request(`${h.url}/onboard`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      idempotency_key: key,
      name: 'forged',
      display_name: 'Forged',
      contact_email: 'x@forged.example',
    }),
  });
  assert.equal(forged.status, 403);
  const audit = await h.identity.operator.listAuditEvents({
    subjectId: 'forged',
    action: '',
    pageSize: 5,
    pageToken: '',
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
  });
  assert.equal(audit.events.length, 0, 'a POST without the CSRF token creates nothing');
});

test('console - the return path after sign-in stays on the console', async () => {
  const browser = new CookieBrowser();
  for (const target of [
    'https://evil.example/',
    '//evil.example/',
    '/\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
  ]) {
    const start = await browser.request(`${h.url}/signin?return=${encodeURIComponent(target)}`);
    assert.equal(start.status, 303);
    assert.ok((start.headers.get('location') ?? '').startsWith(h.identity.issuer));
  }
  const password = await h.operator('dave', [OperatorRole.OPERATOR_ROLE_SUPPORT]);
  await signIn(h, 'dave', password, '/');
  const evil = new CookieBrowser();
  const start = await evil.request(`${h.url}/signin?return=${encodeURIComponent('//evil.example/')}`);
  const atIdentity = await evil.follow(start.headers.get('location') ?? '', h.identity.issuer);
  const back = await evil.follow(`${atIdentity.url}/operator`, h.identity.issuer, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'dave', password }),
  });
  const callback = await evil.request(back.url);
  assert.equal(callback.headers.get('location'), '/');
});

test('console - onboarding confirmed twice with the key carried in the form creates once and answers the same', async () => {
  const password = await h.operator('erin', [OperatorRole.OPERATOR_ROLE_ONBOARDER]);
  const browser = await signIn(h, 'erin', password, '/onboard');
  const form = await (await browser.request(`${h.url}/onboard`)).text();
  const key = /name="idempotency_key" value="([^"]+)"/.exec(form)?.[1] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
  const confirm = async (): Promise<string> => {
    const response = await browser.request(`${h.url}/onboard`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf,
        idempotency_key: key,
        name: 'shop-twice',
        display_name: 'Shop',
        contact_email: 'ops@shop-twice.example',
      }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    return /id="client-secret">([^<]+)</.exec(await response.text())?.[1] ?? '';
  };
  const [first, second] = await Promise.all([confirm(), confirm()]);
  assert.ok(first !== '' && first === second);
  const audit = await h.identity.operator.listAuditEvents({
    subjectId: 'shop-twice',
    action: 'service.onboarded',
    pageSize: 5,
    pageToken: '',
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
  });
  assert.equal(audit.events.length, 1);
  assert.equal(audit.events[0]?.actor, 'operator:erin');
});

test('console - a port already taken fails the start with EADDRINUSE instead of waiting for ever', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as AddressInfo).port;
  try {
    const logger = createLogger('console-test-taken-port', 'error');
    await assert.rejects(startConsole({ ...h.config, CONSOLE_HTTP_PORT: port }, logger), { code: 'EADDRINUSE' });
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
