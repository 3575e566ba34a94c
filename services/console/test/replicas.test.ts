// Two console replicas behind one public URL (as a load balancer would put them) on the same NATS session bucket,
// with a real identity: a sign-in through one works on the other, CSRF tokens and a pending new sign-in carry over,
// token refreshes on both at once make one refresh, sign-out on one ends the session on both, a session survives
// a replica's restart, and an altered, moved or foreign-keyed session entry is refused with a new sign-in.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kvm, type KV } from '@nats-io/kv';
import { connectBus, type Bus } from '@citypass/platform/bus';
import { generateKeyRingText, parseKeyRing } from '@citypass/platform/key_ring';
import type { Logger } from '@citypass/platform/log';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import type { CookieBrowser } from '../../identity/test/console_sign_in.ts';
import { keyOf, SessionStore } from '../src/session_store.ts';
import { sessionIdOf, signIn, signInWith, startConsoleHarness, type ConsoleHarness } from './harness.ts';

/** A log sink that keeps every message (both replicas' logs, to count token refreshes). */
function recordingLogger(lines: { message: string; fields: Record<string, unknown> }[]): Logger {
  const record = (message: string, fields: Record<string, unknown> = {}): void => {
    lines.push({ message, fields });
  };
  const logger: Logger = { debug: record, info: record, warn: record, error: record, child: () => logger };
  return logger;
}

const logs: { message: string; fields: Record<string, unknown> }[] = [];
let h: ConsoleHarness;
let replica: string;
let bus: Bus;
let bucket: KV;
before(async () => {
  h = await startConsoleHarness({}, { logger: recordingLogger(logs) });
  replica = (await h.startReplica(recordingLogger(logs))).url;
  bus = await connectBus({ servers: h.config.NATS_URL, name: 'replicas-test' });
  bucket = await new Kvm(bus.js).open(h.config.CONSOLE_SESSION_BUCKET);
});
after(async () => {
  await bus.close();
  await h.stop();
});

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

async function csrfOn(browser: CookieBrowser, url: string): Promise<string> {
  const page = await (await browser.request(url)).text();
  return /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? assert.fail(`no CSRF field on ${url}`);
}

/** The cookie `sessionId` (sent as is, whatever a browser did with it since) gets no page at `url`, only sign-in. */
async function expectSignInAsked(sessionId: string, url: string): Promise<void> {
  const response = await fetch(url, { redirect: 'manual', headers: { cookie: `citypass-console=${sessionId}` } });
  assert.equal(response.status, 303, `${url} still answers for the session`);
  assert.match(response.headers.get('location') ?? '', /^\/signin/);
  assert.deepEqual(response.headers.getSetCookie(), [], 'and starts no session');
}

test('replicas - a sign-in on one works on the other; CSRF and a new sign-in for a dangerous action carry over', async () => {
  const password = await h.operator('rene', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  await h.identity.onboardWithToken('shop-east', [], 'urn:citypass:wallet');
  const browser = await signIn(h, 'rene', password);
  const home = await browser.request(`${replica}/`);
  assert.equal(home.status, 200);
  assert.match(await home.text(), /Signed in as <strong id="username">rene<\/strong>/);
  assert.equal((await browser.request(`${replica}/audit`)).status, 200, "the operator's token works from the other");

  // A form from one replica is accepted by the other (one CSRF token per session, in the shared store).
  const csrf = await csrfOn(browser, `${h.url}/onboard`);
  const forged = await browser.request(`${replica}/onboard/edit`, form({ csrf: 'x'.repeat(csrf.length) }));
  assert.equal(forged.status, 403);
  const edited = await browser.request(`${replica}/onboard/edit`, form({ csrf, name: 'bikes-south' }));
  assert.equal(edited.status, 200);
  assert.match(await edited.text(), /value="bikes-south"/);

  // Suspending is dangerous: asked on one replica with an old sign-in, signed in again through the other's
  // callback, confirmed on the first.
  await h.ageSignIn(sessionIdOf(browser));
  const asked = await browser.request(
    `${replica}/services/shop-east/client/suspend`,
    form({ csrf, reason: 'contract ended' }),
  );
  assert.equal(asked.status, 303);
  const back = '/services/shop-east/client/confirm';
  assert.equal(asked.headers.get('location'), `/signin?fresh=1&return=${encodeURIComponent(back)}`);
  await signInWith(h, browser, asked.headers.get('location') ?? '', 'rene', password, back);
  const confirm = await (await browser.request(`${replica}${back}`)).text();
  assert.match(confirm, /with the reason “contract ended”/);
  const renewedCsrf = /name="csrf" value="([^"]+)"/.exec(confirm)?.[1] ?? assert.fail('no CSRF field');
  assert.notEqual(renewedCsrf, csrf, 'a new sign-in gives a new CSRF token');
  const done = await browser.request(
    `${replica}/services/shop-east/client/suspend`,
    form({
      csrf: renewedCsrf,
      reason: 'contract ended',
      idempotency_key: /name="idempotency_key" value="([^"]+)"/.exec(confirm)?.[1] ?? '',
    }),
  );
  assert.equal(done.status, 303);
  assert.equal(done.headers.get('location'), '/services/shop-east/client?done=suspended');
  const { service } = await h.identity.operator.getServiceClient({ clientId: 'shop-east' });
  assert.equal(service?.status, 'suspended');
});

test('replicas - expired tokens refreshed on both replicas at once make one refresh at identity', async () => {
  const password = await h.operator('rita', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const browser = await signIn(h, 'rita', password);
  const id = sessionIdOf(browser);
  const session = (await h.sessions.load(id)) ?? assert.fail('no session');
  await h.sessions.change(session, (data) => {
    const signedIn = data.signedIn ?? assert.fail('not signed in');
    const expired = Object.fromEntries(
      Object.entries(signedIn.tokens).map(([resource, held]) => [resource, { ...held, expiresAtMs: 0 }]),
    );
    data.signedIn = { ...signedIn, tokens: expired };
  });
  const refreshesBefore = logs.filter((line) => line.message === 'operator token refreshed').length;
  const statuses = await Promise.all(
    Array.from({ length: 8 }, (_, index) =>
      browser.request(`${index % 2 === 0 ? h.url : replica}/audit?service=identity`),
    ),
  );
  assert.deepEqual(
    statuses.map((response) => response.status),
    Array.from({ length: 8 }, () => 200),
  );
  const refreshes = logs.filter((line) => line.message === 'operator token refreshed').slice(refreshesBefore);
  assert.deepEqual(
    refreshes.map((line) => [line.fields.operator, line.fields.resource]),
    [['rita', 'urn:citypass:identity']],
  );
  const stored = (await h.sessions.load(id)) ?? assert.fail('no session');
  assert.equal(stored.refreshLock, undefined, 'the lock is released with the new token');
  assert.ok((stored.signedIn?.tokens['urn:citypass:identity']?.expiresAtMs ?? 0) > Date.now());
  assert.equal((await browser.request(`${replica}/audit`)).status, 200);
});

test('replicas - sign-out on one ends the session on the other; a session outlives a replica restart', async () => {
  const password = await h.operator('sam', [OperatorRole.OPERATOR_ROLE_SUPPORT]);
  const browser = await signIn(h, 'sam', password);
  const id = sessionIdOf(browser);
  const restarted = await h.startReplica();
  await restarted.console.stop();
  const again = await h.startReplica();
  assert.equal((await browser.request(`${again.url}/`)).status, 200, 'a new replica knows the session');
  const out = await browser.request(`${replica}/signout`, form({ csrf: await csrfOn(browser, `${replica}/`) }));
  assert.equal(out.status, 200);
  assert.equal((await bucket.get(keyOf(id)))?.operation, 'PURGE', 'gone from the shared store');
  // The cookie as it was before sign-out (kept by another tab, or copied): refused by every replica.
  for (const url of [h.url, replica, again.url]) await expectSignInAsked(id, `${url}/audit`);
});

test('replicas - an altered, moved or foreign-keyed session entry is refused: a new sign-in, nothing else', async () => {
  const password = await h.operator('tess', [OperatorRole.OPERATOR_ROLE_SUPPORT]);
  const warningsBefore = logs.filter((line) => line.message === 'console session unreadable; removed').length;

  const altered = await signIn(h, 'tess', password);
  const alteredKey = keyOf(sessionIdOf(altered));
  const entry = (await bucket.get(alteredKey)) ?? assert.fail('no entry');
  const bytes = Uint8Array.from(entry.value);
  bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0x01;
  await bucket.put(alteredKey, bytes);
  await expectSignInAsked(sessionIdOf(altered), `${replica}/`);
  assert.equal((await bucket.get(alteredKey))?.operation, 'PURGE', 'the altered entry is removed');

  // Another session's (valid) entry copied under this session's key: sealed for the other key, so refused.
  const victim = await signIn(h, 'tess', password);
  const mover = await signIn(h, 'tess', password);
  const victimEntry = (await bucket.get(keyOf(sessionIdOf(victim)))) ?? assert.fail('no entry');
  await bucket.put(keyOf(sessionIdOf(mover)), victimEntry.value);
  await expectSignInAsked(sessionIdOf(mover), `${h.url}/`);

  // Sealed under a key ring the console does not hold (another environment's).
  const foreign = await signIn(h, 'tess', password);
  const foreignStore = await SessionStore.open(bus.js, {
    bucket: h.config.CONSOLE_SESSION_BUCKET,
    replicas: 1,
    ring: parseKeyRing(generateKeyRingText('other')),
    idleMs: 60_000,
    lifetimeMs: 600_000,
    logger: recordingLogger([]),
  });
  const planted = await foreignStore.create();
  const genuine = (await bucket.get(keyOf(planted.id))) ?? assert.fail('no entry');
  await bucket.put(keyOf(sessionIdOf(foreign)), genuine.value);
  await expectSignInAsked(sessionIdOf(foreign), `${replica}/`);

  const warnings = logs.filter((line) => line.message === 'console session unreadable; removed').slice(warningsBefore);
  assert.deepEqual(
    warnings.map((line) => line.fields.error),
    ['KeyRingError', 'KeyRingError', 'KeyRingError'],
  );
  const secrets = [altered, mover, foreign].map(sessionIdOf);
  for (const line of logs) for (const secret of secrets) assert.ok(!JSON.stringify(line).includes(secret));
  // The victim's own session is untouched.
  assert.equal((await victim.request(`${replica}/`)).status, 200);
});
