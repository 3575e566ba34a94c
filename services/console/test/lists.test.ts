// The console's lists in a real browser against a real identity: residents and services found by a server-side
// search, a page at a time (keyset: identity's page tokens), in place with htmx and as plain GET forms without
// JavaScript; a page token never carries one search's results into another's. axe-core on each page and after
// each htmx update; screenshots beside browser.test.ts's.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { checkAccessibility, launchChromium, shot, signInAtIdentity } from './browser.ts';
import { startConsoleHarness, type ConsoleHarness } from './harness.ts';

let h: ConsoleHarness;
let browser: Browser;
let password: string;
const turingId = randomUUID();

before(async () => {
  h = await startConsoleHarness();
  browser = await launchChromium();
  password = await h.operator('lena', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  // Seeded straight into identity's database: 30 Nakamuras (more than one page of 25), two Lovelaces, one Turing;
  // 27 parking services and two others.
  const db = new pg.Client({ connectionString: h.identity.databaseUrl });
  await db.connect();
  await db.query(
    `INSERT INTO residents (id, given_name, family_name, birth_date, concession_class)
     SELECT gen_random_uuid(), 'Kenji ' || lpad(n::text, 2, '0'), 'Nakamura', '1980-03-03', 'adult'
     FROM generate_series(1, 30) n`,
  );
  await db.query(
    `INSERT INTO residents (id, given_name, family_name, birth_date, concession_class) VALUES
       (gen_random_uuid(), 'Ada', 'Lovelace', '1815-12-10', 'senior'),
       (gen_random_uuid(), 'Byron', 'Lovelace', '1836-05-12', 'adult'),
       ($1, 'Alan', 'Turing', '1912-06-23', 'student')`,
    [turingId],
  );
  await db.query(
    `INSERT INTO services (name, display_name, contact_email, scopes, auth_method)
     SELECT 'parking-' || lpad(n::text, 2, '0'), 'Parking ' || n, 'ops@parking.example',
            ARRAY['charge:parking-' || lpad(n::text, 2, '0')], 'client_secret_basic'
     FROM generate_series(1, 27) n`,
  );
  await db.end();
  for (const [name, extraScopes] of [
    ['bikes', ['gate:bikes', 'refund:bikes']],
    ['grocer', []],
  ] as const)
    await h.identity.operator.onboardService({
      idempotencyKey: `onboard-${name}`,
      name,
      displayName: `The ${name}`,
      contactEmail: `ops@${name}.example`,
      extraScopes: [...extraScopes],
      jwksJson: '',
      location: undefined,
    });
});
after(async () => {
  await browser.close();
  await h.stop();
});

const cells = (page: Page, section: string, column: number): Promise<string[]> =>
  page.locator(`#${section} tbody tr td:nth-child(${column})`).allInnerTexts();

test('lists - residents: a search finds, the next page follows it, htmx updates in place, and a token from another search leaks nothing', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const htmxRequests: string[] = [];
  page.on('request', (request) => {
    if (request.headers()['hx-request'] === 'true') htmxRequests.push(new URL(request.url()).pathname);
  });
  await page.goto(`${h.url}/`);
  await signInAtIdentity(h, page, 'lena', password);
  await page.getByRole('link', { name: 'Find or create a resident' }).click();
  await checkAccessibility(page, 'residents');

  const search = page.getByLabel('Search: the start of a surname');
  await search.fill('nAKA');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/search=nAKA/);
  await page.locator('#resident-results tbody tr').first().waitFor();
  const first = await cells(page, 'resident-results', 1);
  assert.equal(first.length, 25);
  assert.ok(
    first.every((name) => name.startsWith('Nakamura, Kenji')),
    first.join('|'),
  );
  assert.deepEqual(first, [...first].sort(), 'ordered by name');
  await checkAccessibility(page, 'residents searched (htmx)');
  await shot(page, '11-residents-search');

  await page.getByRole('link', { name: 'Next residents' }).click();
  await page.waitForURL(/page=/);
  const nextUrl = page.url();
  await page.waitForFunction("document.querySelectorAll('#resident-results tbody tr').length === 5");
  const second = await cells(page, 'resident-results', 1);
  assert.deepEqual(
    second,
    [26, 27, 28, 29, 30].map((n) => `Nakamura, Kenji ${n}`),
  );
  assert.equal(new Set([...first, ...second]).size, 30, 'each resident once');
  assert.equal(await page.getByRole('link', { name: 'Next residents' }).count(), 0, 'the last page');
  await checkAccessibility(page, 'residents next page');
  await shot(page, '12-residents-next-page');

  // The next page's token, carried into another search: refused next to the field, and none of its rows shown.
  const leak = new URL(nextUrl);
  leak.searchParams.set('search', 'love');
  await page.goto(leak.toString());
  await page.locator('#search-error').waitFor();
  assert.match(await page.locator('#search-error').innerText(), /PAGE_TOKEN_INVALID/);
  assert.equal(await page.locator('#resident-results tbody tr').count(), 0);
  assert.doesNotMatch(await page.locator('main').innerText(), /Nakamura|Lovelace/);
  await checkAccessibility(page, 'residents refused token');

  // A resident id finds that one resident; their page is one click away.
  await page.getByLabel('Search: the start of a surname').fill(turingId);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(new RegExp(turingId));
  await page.getByRole('link', { name: 'Turing, Alan' }).click();
  assert.equal((await page.locator('#resident-id').innerText()).trim(), turingId);
  assert.ok(htmxRequests.filter((path) => path === '/residents').length >= 2, 'htmx made the searches');
  await context.close();
});

test('lists - services: found by name prefix with what they may use, paged; without JavaScript the forms and links still work', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${h.url}/`);
  await signInAtIdentity(h, page, 'lena', password);
  await page.getByRole('link', { name: 'See the onboarded services' }).click();
  await page.getByRole('heading', { name: 'Services' }).waitFor();
  const all = await cells(page, 'service-results', 1);
  assert.deepEqual(all.slice(0, 3), ['bikes', 'grocer', 'parking-01']);
  assert.equal(all.length, 25);
  const bikes = await page.locator('#service-results tbody tr').first().innerText();
  assert.match(bikes, /wallet: charge, refund; transit: gate/);
  assert.match(bikes, /charge:bikes gate:bikes refund:bikes/);
  await checkAccessibility(page, 'services');
  await shot(page, '13-services');

  await page.getByLabel('Name (the start of it)').fill('PARKING-2');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/search=PARKING-2/);
  await page.waitForFunction("document.querySelectorAll('#service-results tbody tr').length === 8");
  assert.deepEqual(
    await cells(page, 'service-results', 1),
    [20, 21, 22, 23, 24, 25, 26, 27].map((n) => `parking-${n}`),
  );
  await checkAccessibility(page, 'services searched (htmx)');

  // The same session in a browser without JavaScript: the GET form and the next link are plain HTML.
  const plain = await browser.newContext({ javaScriptEnabled: false, storageState: await context.storageState() });
  const noScript = await plain.newPage();
  await noScript.goto(`${h.url}/services`);
  await noScript.getByLabel('Name (the start of it)').fill('parking');
  await noScript.getByRole('button', { name: 'Search' }).click();
  await noScript.waitForURL(/search=parking$/);
  assert.equal((await cells(noScript, 'service-results', 1)).length, 25);
  await noScript.getByRole('link', { name: 'Next services' }).click();
  await noScript.waitForURL(/page=/);
  assert.deepEqual(await cells(noScript, 'service-results', 1), ['parking-26', 'parking-27']);
  await shot(noScript, '14-services-next-page');
  await plain.close();
  await context.close();
});

test('lists - a merchant-scoped operator sees their scope, only their own service, and no city-wide live view', async () => {
  const scopedPassword = await h.operator('mona', [OperatorRole.OPERATOR_ROLE_ONBOARDER], { merchant: 'bikes' });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${h.url}/`);
  await signInAtIdentity(h, page, 'mona', scopedPassword);
  assert.equal(await page.locator('#scope').innerText(), 'the merchant bikes');
  // Only what the services would answer is offered.
  assert.equal(await page.getByRole('link', { name: 'Find or create a resident' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'The city now' }).count(), 0);
  await checkAccessibility(page, 'home, merchant-scoped');
  await shot(page, '15-home-merchant-scoped');
  await page.getByRole('link', { name: 'See the onboarded services' }).click();
  await page.getByRole('heading', { name: 'Services' }).waitFor();
  // Identity answered the list already narrowed: no page of parking services, no grocer.
  assert.deepEqual(await cells(page, 'service-results', 1), ['bikes']);
  await shot(page, '16-services-merchant-scoped');
  // Another merchant's service, and the city-wide live view, are refused with the reason.
  const other = await page.goto(`${h.url}/services/grocer/client`);
  assert.equal(other?.status(), 403);
  assert.match(await page.locator('main').innerText(), /OPERATOR_OTHER_MERCHANT/);
  const live = await page.goto(`${h.url}/live`);
  assert.equal(live?.status(), 403);
  assert.match(await page.locator('main').innerText(), /LIVE_VIEW_OUT_OF_SCOPE/);
  await context.close();
});
