// The console's audit page against a real identity, wallet and transit: one search over the three services' logs,
// merged newest first, paged by one token carrying every service's cursor (every entry once, in time order, across
// pages), filtered by who, action and target prefix, days and service; transit's and the wallet's before and after
// shown as what changed (a real operator refund among them). As a plain GET without JavaScript, and in Chromium with axe-core (serious or critical WCAG 2.2 AA
// findings fail), before and after an htmx search.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { operatorScopes, resources } from '@citypass/contracts';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import type { CookieBrowser } from '../../identity/test/console_sign_in.ts';
import type { TransitHarness } from '../../transit/test/harness.ts';
import { checkAccessibility, launchChromium, shot, signInAtIdentity } from './browser.ts';
import { signIn, startConsoleHarness, type ConsoleHarness } from './harness.ts';

let h: ConsoleHarness;
let transit: TransitHarness;
let cookies: CookieBrowser;
let password: string;

// 30 entries in each log on 2030-03-01, interleaved a minute apart: identity's on even minutes, transit's on odd.
const day = '2030-03-01';
const minuteOf = (n: number): string => new Date(Date.parse(`${day}T08:00:00Z`) + n * 60_000).toISOString();
// 15 entries each in transit's and the wallet's logs on 2030-03-04: transit's on even minutes, the wallet's on odd.
const walletDay = '2030-03-04';
const walletMinuteOf = (n: number): string => new Date(Date.parse(`${walletDay}T08:00:00Z`) + n * 60_000).toISOString();

before(async () => {
  h = await startConsoleHarness({}, { services: true });
  transit = h.services ?? assert.fail('transit was asked for');
  password = await h.operator('aria', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  cookies = await signIn(h, 'aria', password);
  const identityDb = new pg.Client({ connectionString: h.identity.databaseUrl });
  await identityDb.connect();
  for (let n = 0; n < 60; n += 2) {
    await identityDb.query(
      'INSERT INTO audit_log (occurred_at, actor, action, subject_id, details) VALUES ($1, $2, $3, $4, $5)',
      [
        minuteOf(n),
        n % 4 === 0 ? 'operator:bob' : 'operator:cy',
        'service.suspended',
        `parking-${n}`,
        { reason: 'unpaid' },
      ],
    );
  }
  await identityDb.end();
  for (let n = 1; n < 60; n += 2) {
    await transit.db.query(
      `INSERT INTO operator_audit (occurred_at, actor, action, target, merchant, before, after)
       VALUES ($1, $2, 'gates.assigned', 'trams', 'trams', $3, $4)`,
      [
        minuteOf(n),
        n % 4 === 1 ? 'operator:bob' : 'operator:dee',
        { clients: { [`gate-${n}`]: 'gates' } },
        { clients: { [`gate-${n}`]: 'trams' } },
      ],
    );
  }
  for (let n = 0; n < 30; n += 1) {
    const [db, action, target] =
      n % 2 === 0
        ? [transit.db, 'gates.assigned', 'trams']
        : [transit.wallet.db, 'refunds.made', `hold:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`];
    await db.query(
      `INSERT INTO operator_audit (occurred_at, actor, action, target, merchant, before, after, reason)
       VALUES ($1, 'operator:eve', $2, $3, 'trams', $4, $5, 'seeded')`,
      [walletMinuteOf(n), action, target, { step: n - 1 }, { step: n }],
    );
  }
});
after(async () => {
  await h.stop();
});

interface Row {
  readonly when: string;
  readonly service: string;
  readonly who: string;
  readonly what: string;
  readonly target: string;
  readonly change: string;
  readonly why: string;
}

/** The page's rows (cells as text) and its next-page link, read from the HTML without a browser. */
async function auditPage(
  query: string,
): Promise<{ status: number; rows: Row[]; next: string | undefined; body: string }> {
  const response = await cookies.request(`${h.url}/audit${query}`);
  const body = await response.text();
  const section = body.slice(body.indexOf('id="audit-results"'));
  const rows = [...section.matchAll(/<tr><td><time datetime="([^"]+)">.*?<\/tr>/gs)].map((match) => {
    const cells = [...match[0].matchAll(/<td>(.*?)<\/td>/gs)].map((cell) =>
      (cell[1] ?? '')
        .replace(/<[^>]+>/g, '')
        .replaceAll('&gt;', '>')
        .trim(),
    );
    return {
      when: match[1] ?? '',
      service: cells[1] ?? '',
      who: cells[2] ?? '',
      what: cells[3] ?? '',
      target: cells[4] ?? '',
      change: cells[5] ?? '',
      why: cells[6] ?? '',
    };
  });
  const next = /<a href="\/audit\?([^"]+)" rel="next">/.exec(section)?.[1]?.replaceAll('&amp;', '&');
  return { status: response.status, rows, next: next === undefined ? undefined : `?${next}`, body };
}

test('audit page - both logs merged newest first; pages of 25 walk every entry once, in time order', async () => {
  const seen: Row[] = [];
  let query: string | undefined = `?from=${day}&to=${day}`;
  const sizes: number[] = [];
  while (query !== undefined) {
    const page = await auditPage(query);
    assert.equal(page.status, 200);
    sizes.push(page.rows.length);
    seen.push(...page.rows);
    query = page.next;
  }
  assert.deepEqual(sizes, [25, 25, 10]);
  assert.deepEqual(
    seen.map((row) => row.when),
    Array.from({ length: 60 }, (_, index) => minuteOf(59 - index)),
    'every minute once, newest first, across pages',
  );
  assert.deepEqual(
    seen.slice(0, 4).map((row) => `${row.service} ${row.what} ${row.target}`),
    [
      'transit gates.assigned trams',
      'identity service.suspended parking-58',
      'transit gates.assigned trams',
      'identity service.suspended parking-56',
    ],
  );
  // transit's before and after as what changed; identity's details as they are.
  assert.equal(seen[0]?.change, 'clients.gate-59: gates → trams');
});

test('audit page - who, action and target prefixes and the service narrow both logs', async () => {
  const bob = await auditPage(`?from=${day}&to=${day}&who=operator%3Abob`);
  assert.equal(bob.rows.length, 25);
  assert.ok(bob.rows.every((row) => row.who === 'operator:bob'));
  assert.ok(bob.rows.some((row) => row.service === 'identity') && bob.rows.some((row) => row.service === 'transit'));
  const bobAll = [...bob.rows, ...(await auditPage(bob.next ?? assert.fail('a second page'))).rows];
  assert.equal(bobAll.length, 30);

  const gates = await auditPage(`?from=${day}&to=${day}&action=gates.`);
  assert.ok(gates.rows.length === 25 && gates.rows.every((row) => row.service === 'transit'));
  const parking = await auditPage(`?from=${day}&to=${day}&target=parking-5`);
  assert.deepEqual(
    parking.rows.map((row) => row.target),
    ['parking-58', 'parking-56', 'parking-54', 'parking-52', 'parking-50'],
  );
  const onlyTransit = await auditPage(`?from=${day}&to=${day}&service=transit&who=operator%3Abob`);
  assert.equal(onlyTransit.rows.length, 15);
  assert.ok(onlyTransit.rows.every((row) => row.service === 'transit'));
  assert.equal(onlyTransit.next, undefined);
  // Another day has nothing; a bad day or a forged page token is refused next to the form, nothing listed.
  assert.equal((await auditPage('?from=2030-03-02&to=2030-03-02')).rows.length, 0);
  const badDay = await auditPage('?from=2030-02-30');
  assert.equal(badDay.status, 422);
  assert.match(badDay.body, /DATE_INVALID/);
  const forged = await auditPage(`?from=${day}&page=${Buffer.from('{"parking":""}').toString('base64url')}`);
  assert.equal(forged.status, 422);
  assert.match(forged.body, /PAGE_TOKEN_INVALID/);
});

test('audit page - a real gate assignment appears with who did it, what changed and why', async () => {
  await transit.operator.assignGates({ reason: 'test setup', clientId: 'gates', gateIds: ['market-g1'] });
  const fleet = await transit.wallet.identity.operator.onboardService({
    idempotencyKey: 'onboard-fleet-audit',
    name: 'fleet-audit',
    displayName: 'Audit fleet',
    contactEmail: 'ops@fleet.example',
    extraScopes: ['gate:fleet-audit'],
    jwksJson: '',
    location: undefined,
  });
  assert.ok(fleet.clientSecret !== '');
  await transit.operator.assignGates({
    reason: 'audit fleet takes market-g1',
    clientId: 'fleet-audit',
    gateIds: ['market-g1'],
  });
  const today = new Date().toISOString().slice(0, 10);
  const { rows } = await auditPage(`?from=${today}&to=${today}&target=fleet-audit`);
  assert.deepEqual(
    rows.map((row) => `${row.service} ${row.who} ${row.what}`),
    ['transit operator:operator gates.assigned', 'identity operator:operator service.onboarded'],
  );
  assert.equal(rows[0]?.change, 'clients.market-g1: gates → fleet-audit');
  assert.equal(rows[0].why, 'audit fleet takes market-g1');
  assert.match(rows[1]?.change ?? '', /scopes: charge:fleet-audit gate:fleet-audit/);
});

test("audit page - the wallet's log merges beside transit's; the page token carries the wallet's cursor", async () => {
  const seen: Row[] = [];
  const tokens: string[] = [];
  let query: string | undefined = `?from=${walletDay}&to=${walletDay}`;
  while (query !== undefined) {
    const page = await auditPage(query);
    assert.equal(page.status, 200);
    seen.push(...page.rows);
    query = page.next;
    if (query !== undefined) tokens.push(new URLSearchParams(query.slice(1)).get('page') ?? '');
  }
  assert.deepEqual(
    seen.map((row) => `${row.when} ${row.service}`),
    Array.from({ length: 30 }, (_, index) => `${walletMinuteOf(29 - index)} ${index % 2 === 0 ? 'wallet' : 'transit'}`),
  );
  assert.equal(tokens.length, 1);
  const cursors = JSON.parse(Buffer.from(tokens[0] ?? '', 'base64url').toString('utf8')) as Record<string, string>;
  assert.ok((cursors.wallet ?? '') !== '', "the wallet's own token to read on from");
  assert.equal(seen[0]?.change, 'step: 28 → 29');
  const onlyWallet = await auditPage(`?from=${walletDay}&to=${walletDay}&service=wallet`);
  assert.equal(onlyWallet.rows.length, 15);
  assert.ok(onlyWallet.rows.every((row) => row.service === 'wallet' && row.what === 'refunds.made'));
});

test('audit page - a real operator refund appears with who did it, what changed and why', async (t) => {
  const wallet = transit.wallet;
  const shop = await wallet.service('audit-shop');
  // Real time for the wallet (transit's harness runs its clock ahead), as the phone's presentations are made.
  const offsetMs = transit.clockOffsetMs;
  transit.clockOffsetMs = 0;
  t.after(() => {
    transit.clockOffsetMs = offsetMs;
  });
  const phone = await transit.resident(1_000n);
  const { hold } = await shop.wallet.charge({
    idempotencyKey: 'audit-page-charge',
    amount: { amountMinor: 300n, currency: 'EUR' },
    presentation: phone.present('audit-shop'),
    reference: 'order',
    settlesTap: false,
  });
  assert.ok(hold);
  const response = await wallet.identity.clientCredentialsToken(
    'operator',
    wallet.identity.config.IDENTITY_OPERATOR_CLIENT_SECRET,
    resources.wallet,
    operatorScopes.wallet,
  );
  const token = ((await response.json()) as { access_token: string }).access_token;
  const operator = promiseClient(WalletServiceService, wallet.address, { metadata: () => bearer(token) });
  try {
    await operator.refund({
      idempotencyKey: 'audit-page-refund',
      holdId: hold.holdId,
      amountMinor: 120n,
      reason: 'arrived broken',
      service: 'audit-shop',
    });
  } finally {
    operator.close();
  }
  // The log's time is the database's (real time), whatever clock the wallet's harness keeps.
  const today = new Date().toISOString().slice(0, 10);
  const { rows, body } = await auditPage(`?from=${today}&to=${today}&target=hold%3A${hold.holdId}`);
  assert.deepEqual(
    rows.map((row) => `${row.service} ${row.who} ${row.what} ${row.target}`),
    [`wallet operator:operator refunds.made hold:${hold.holdId}`],
  );
  assert.match(rows[0]?.change ?? '', /refundedMinor: 0 → 120/);
  assert.match(body, /arrived broken/);
});

test('audit page - in Chromium: the search in place with htmx, axe-clean before and after', async () => {
  const browser: Browser = await launchChromium();
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${h.url}/audit?from=${day}&to=${day}`);
    await signInAtIdentity(h, page, 'aria', password);
    await page.locator('#audit-results tbody tr').first().waitFor();
    await checkAccessibility(page, 'audit (both services)');
    await page.getByLabel('Who (exactly').fill('operator:dee');
    await page.getByLabel('Service', { exact: true }).selectOption('transit');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/who=operator%3Adee/);
    await page.locator('#audit-results tbody tr').nth(14).waitFor();
    assert.equal(await page.locator('#audit-results tbody tr').count(), 15);
    await checkAccessibility(page, 'audit searched (htmx)');
    await shot(page, 'audit-merged');
  } finally {
    await browser.close();
  }
});
