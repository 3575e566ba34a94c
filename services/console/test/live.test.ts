// The console's live views and wallet pages in a real browser, against a real identity, wallet and transit on one
// NATS: an operator revokes a resident's credential in the console, a gate taps it, and the live feed shows the
// refusal with its reason without a reload; the city-now charts move as taps arrive; a service's balance, holds and
// settlement report (its CSV to the cent) and a declined charge under its reason. axe-core checks every page and
// the page again after each live (SSE) or htmx update.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import type { TapResponse } from '@citypass/proto/transit/v1/transit';
import type { TransitHarness } from '../../transit/test/harness.ts';
import { waitFor } from '../../wallet/test/harness.ts';
import { checkAccessibility, launchChromium, shot, signInAtIdentity } from './browser.ts';
import { startConsoleHarness, type ConsoleHarness } from './harness.ts';

let h: ConsoleHarness;
let services: TransitHarness;
let browser: Browser;
before(async () => {
  h = await startConsoleHarness({}, { services: true });
  assert.ok(h.services !== undefined);
  services = h.services;
  // Real time for transit and the wallet: the phones' presentations and the console's day are the same clock's.
  services.clockOffsetMs = 0;
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  await h.stop();
});

type Phone = Parameters<TransitHarness['tapPresentation']>[0];

function tap(phone: Phone, gateId: string): Promise<TapResponse> {
  return services.gates.tap({
    presentation: services.tapPresentation(phone),
    gateId,
    direction: 'in',
    tappedAt: new Date(services.now()),
    tapId: '',
  });
}

async function signedIn(page: Page, path: string, username: string, password: string): Promise<void> {
  await page.goto(`${h.url}${path}`);
  await signInAtIdentity(h, page, username, password);
}

/** Console errors the CSP reported on any page of `context`: none may appear (no inline script or style). */
function cspViolationsOf(context: BrowserContext): string[] {
  const violations: string[] = [];
  context.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

/** The numbers column of a chart's table, summed (the window only grows during a test: it keeps 15 minutes). */
async function chartTotal(page: Page, chartId: string): Promise<number> {
  const cells = await page.locator(`#${chartId} tbody td:nth-child(2)`).allTextContents();
  return cells.reduce((sum, cell) => sum + Number(cell), 0);
}

test('live - revoke a credential in the console and watch a gate refuse it on the live feed, without a reload', async () => {
  const password = await h.operator('lena', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const context = await browser.newContext();
  const cspViolations = cspViolationsOf(context);
  const feed = await context.newPage();
  await signedIn(feed, '/live/taps', 'lena', password);
  await feed.getByRole('heading', { name: 'Gate taps, live' }).waitFor();
  await checkAccessibility(feed, 'live taps');
  // Set once: a reload or a navigation would lose it.
  await feed.evaluate('window.citypassLoadedOnce = true');

  const phone = await services.resident(1_000n);
  assert.equal((await tap(phone, 'central-g1')).decision, 'OPEN');
  await feed.locator('#live-taps tbody tr', { hasText: 'central-g1' }).first().waitFor();
  assert.match(await feed.locator('#last-tap').innerText(), /central-g1 OPEN/);
  await checkAccessibility(feed, 'live taps after a tap (sse)');

  // The operator revokes the resident's credential in the console, in another tab.
  const residents = await context.newPage();
  await residents.goto(`${h.url}/residents/${phone.residentId}`);
  const credentialId = (await residents.locator('#credential-id').innerText()).trim();
  await residents.getByLabel('Reason (kept in the audit log)').fill('phone lost on the metro');
  await residents.getByRole('button', { name: 'Revoke credential' }).click();
  await residents.getByText('The credential is revoked.').waitFor();

  // A gate taps it: refused once the revocation has reached transit, and the feed shows it as it happens.
  await waitFor(
    async () => (await tap(phone, 'harbour-g2')).reason === 'CREDENTIAL_REVOKED',
    'transit refuses the revoked credential',
  );
  const refusal = feed.locator('#live-taps tbody tr', { hasText: 'CREDENTIAL_REVOKED' }).first();
  await refusal.waitFor();
  assert.deepEqual((await refusal.locator('td').allInnerTexts()).slice(1), [
    'harbour-g2',
    'harbour',
    'in',
    'DENY',
    'CREDENTIAL_REVOKED',
  ]);
  assert.equal(await feed.evaluate('window.citypassLoadedOnce'), true, 'the feed page was not reloaded');
  const shown = await feed.locator('main').innerText();
  for (const secret of [phone.residentId, credentialId])
    assert.ok(!shown.includes(secret), 'the feed says nothing about who tapped');
  await checkAccessibility(feed, 'live taps showing the refusal (sse)');
  await shot(feed, '10-live-taps-refusal');

  // The city now: one chart each, as images with their numbers; they move as taps arrive.
  const city = await context.newPage();
  await city.goto(`${h.url}/live`);
  await city.getByRole('heading', { name: 'The city now' }).waitFor();
  assert.equal(await city.locator('figure.chart svg[role="img"] title').count(), 5);
  await checkAccessibility(city, 'the city now');
  await city.evaluate('window.citypassLoadedOnce = true');
  const tapsBefore = await chartTotal(city, 'chart-taps');
  assert.ok(tapsBefore >= 2, `the taps so far are counted (${tapsBefore})`);
  assert.match(await city.locator('#chart-declines').innerText(), /gate: CREDENTIAL_REVOKED/);
  assert.ok((await chartTotal(city, 'chart-revocation-lag')) > 0, 'the revocation was seen, some time after it');
  assert.equal((await tap(phone, 'central-g2')).reason, 'CREDENTIAL_REVOKED');
  await waitFor(async () => (await chartTotal(city, 'chart-taps')) > tapsBefore, 'the taps chart moves live');
  assert.equal(await city.evaluate('window.citypassLoadedOnce'), true, 'the city-now page was not reloaded');
  await checkAccessibility(city, 'the city now after a tap (sse)');
  await shot(city, '11-city-now');
  assert.deepEqual(cspViolations, []);
  await context.close();
});

test("live - wallet pages: a service's balance, holds and settlement CSV to the cent; a declined charge under its reason", async () => {
  const bakery = await services.wallet.service('bakery', ['refund:bakery']);
  const phone = await services.resident(2_000n);
  const key = (): string => randomBytes(12).toString('hex');
  const day = new Date(services.now()).toISOString().slice(0, 10);
  const { hold } = await bakery.wallet.authorize({
    idempotencyKey: key(),
    amount: { amountMinor: 1_250n, currency: 'EUR' },
    presentation: phone.present('bakery'),
    reference: '=order 7',
    holdTtlSeconds: 0,
    settlesTap: false,
  });
  const holdId = hold?.holdId ?? '';
  await bakery.wallet.capture({ idempotencyKey: key(), holdId, amountMinor: 1_250n });
  await bakery.wallet.refund({ idempotencyKey: key(), holdId, amountMinor: 5n, reason: 'one roll short' });
  await assert.rejects(
    bakery.wallet.authorize({
      idempotencyKey: key(),
      amount: { amountMinor: 5_000n, currency: 'EUR' },
      presentation: phone.present('bakery'),
      reference: '',
      holdTtlSeconds: 0,
      settlesTap: false,
    }),
    /INSUFFICIENT_FUNDS|funds/i,
  );

  const password = await h.operator('fran', [OperatorRole.OPERATOR_ROLE_FINANCE]);
  const context = await browser.newContext();
  const cspViolations = cspViolationsOf(context);
  const page = await context.newPage();
  await signedIn(page, '/wallet', 'fran', password);
  await checkAccessibility(page, 'wallet');
  await page.getByLabel('Service (its client id)').fill('bakery');
  await page.getByLabel('Day (UTC) of the settlement report').fill(day);
  await page.getByRole('button', { name: 'Show' }).click();
  await page.getByRole('heading', { name: 'Wallet: bakery' }).waitFor();
  assert.equal((await page.locator('#balance').innerText()).trim(), '12.45 EUR');
  const row = page.locator('#holds tbody tr', { hasText: holdId });
  assert.match(await row.innerText(), /captured\s+12\.50 EUR\s+12\.50 EUR\s+0\.05 EUR/);
  assert.equal(await page.locator('#settlement').count(), 0, 'the holds page sums no day');
  await checkAccessibility(page, 'wallet: a service');
  await shot(page, '12-wallet-service');

  // The day's settlement report, its own page.
  await page.getByRole('link', { name: `Settlement report of ${day} (UTC)` }).click();
  await page.getByRole('heading', { name: 'Settlement report: bakery' }).waitFor();
  assert.match(await page.locator('#settlement').innerText(), /Captured\s+12\.50 EUR \(1 captures\)/);
  assert.match(await page.locator('#settlement').innerText(), /Net\s+12\.45 EUR/);
  await checkAccessibility(page, 'wallet: settlement report');
  await shot(page, '12b-wallet-settlement');

  // The settlement report as CSV: a header row and exact decimals from minor units.
  const href =
    (await page.getByRole('link', { name: 'Download the settlement report as CSV' }).getAttribute('href')) ?? '';
  const csv = await context.request.get(`${h.url}${href}`);
  assert.equal(csv.status(), 200);
  assert.equal(csv.headers()['content-type'], 'text/csv; charset=utf-8');
  assert.equal(csv.headers()['content-disposition'], `attachment; filename="settlement-bakery-${day}-EUR.csv"`);
  assert.equal(
    await csv.text(),
    `service,date,currency,captured,refunded,net,captures,refunds\r\nbakery,${day},EUR,12.50,0.05,12.45,1,1\r\n`,
  );

  // Holds filtered in place by htmx.
  await page.getByRole('link', { name: "The service's balance and holds" }).click();
  await page.getByRole('heading', { name: 'Wallet: bakery' }).waitFor();
  await page.getByLabel('Status').selectOption('pending');
  await page.getByRole('button', { name: 'Filter holds' }).click();
  await page.waitForURL(/status=pending/);
  await page.locator('#holds', { hasText: 'No holds.' }).waitFor();
  await checkAccessibility(page, 'wallet: holds filtered (htmx)');

  // The declined charge under its reason, once the wallet has written its counts (about once a second).
  await page.getByRole('link', { name: `Declines by reason on ${day}` }).click();
  await page.getByRole('heading', { name: 'Declines by reason' }).waitFor();
  await waitFor(
    async () => {
      if ((await page.locator('#declines tbody tr', { hasText: 'INSUFFICIENT_FUNDS' }).count()) > 0) return true;
      await page.reload();
      return false;
    },
    'the decline is counted',
    10_000,
  );
  assert.deepEqual(await page.locator('#declines tbody tr').first().locator('td').allInnerTexts(), [
    'bakery',
    'INSUFFICIENT_FUNDS',
    '1',
  ]);
  await checkAccessibility(page, 'wallet: declines');
  await shot(page, '13-wallet-declines');

  // Opening the page scans nothing: it shows the runs the wallet kept; checking again is a button (a POST).
  await page.goto(`${h.url}/wallet/reconciliation`);
  const before = await page.locator('#runs tbody tr').count();
  await page.getByRole('button', { name: 'Check the books now' }).click();
  await page.locator('#runs tbody tr').nth(before).waitFor();
  assert.match(
    await page.locator('#reconciliation-status').innerText(),
    /Last checked at .* by operator:fran \(\d+ ms\): the books are in order\./,
  );
  assert.equal(await page.locator('#runs tbody tr').count(), before + 1);
  assert.match(await page.locator('#runs tbody tr').first().innerText(), /operator:fran\s+in order/);
  await page.reload();
  assert.equal(await page.locator('#runs tbody tr').count(), before + 1, 'a reload checks nothing again');
  await checkAccessibility(page, 'wallet: reconciliation');
  await shot(page, '14-wallet-reconciliation');
  assert.deepEqual(cspViolations, []);
  await context.close();

  // An operator whose roles do not include the wallet is refused by the wallet itself.
  const onboarder = await h.operator('otto', [OperatorRole.OPERATOR_ROLE_ONBOARDER]);
  const other = await browser.newContext();
  const refused = await other.newPage();
  await signedIn(refused, '/wallet?service=bakery', 'otto', onboarder);
  await refused.getByRole('heading', { name: 'Not allowed for your roles' }).waitFor();
  await other.close();
});
