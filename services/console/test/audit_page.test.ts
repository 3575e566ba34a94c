// The console's audit page against a real identity, wallet and transit: one search over both services' logs,
// merged newest first, paged by one token carrying both services' cursors (every entry once, in time order, across
// pages), filtered by who, action and target prefix, days and service; transit's before and after shown as what
// changed. As a plain GET without JavaScript, and in Chromium with axe-core (serious or critical WCAG 2.2 AA
// findings fail), before and after an htmx search.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
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
  const forged = await auditPage(`?from=${day}&page=${Buffer.from('{"wallet":""}').toString('base64url')}`);
  assert.equal(forged.status, 422);
  assert.match(forged.body, /PAGE_TOKEN_INVALID/);
});

test('audit page - a real gate assignment appears with who did it and what changed', async () => {
  await transit.operator.assignGates({ clientId: 'gates', gateIds: ['market-g1'] });
  const fleet = await transit.wallet.identity.operator.onboardService({
    idempotencyKey: 'onboard-fleet-audit',
    name: 'fleet-audit',
    displayName: 'Audit fleet',
    contactEmail: 'ops@fleet.example',
    extraScopes: ['gate:fleet-audit'],
    jwksJson: '',
  });
  assert.ok(fleet.clientSecret !== '');
  await transit.operator.assignGates({ clientId: 'fleet-audit', gateIds: ['market-g1'] });
  const today = new Date().toISOString().slice(0, 10);
  const { rows } = await auditPage(`?from=${today}&to=${today}&target=fleet-audit`);
  assert.deepEqual(
    rows.map((row) => `${row.service} ${row.who} ${row.what}`),
    ['transit operator:operator gates.assigned', 'identity operator:operator service.onboarded'],
  );
  assert.equal(rows[0]?.change, 'clients.market-g1: gates → fleet-audit');
  assert.match(rows[1]?.change ?? '', /scopes: charge:fleet-audit gate:fleet-audit/);
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
