// The console's transit pages in a real browser (Debian's Chromium through playwright-core) against a real identity,
// wallet and transit: gates searched in place and handed to a gate operator, the deny list with a debt, and fare
// rules previewed (transit's sample week, its numbers worked out by hand) then put after a fresh sign-in; a bad
// candidate refused next to its fields and nothing put; the forms without JavaScript too. axe-core checks every
// page and the page again after each htmx update, failing on serious or critical WCAG 2.2 AA findings.
// Screenshots go to services/console/test-output/screenshots (ignored by git).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { ListGatesRequest } from '@citypass/proto/transit/v1/transit';
import type { TransitHarness } from '../../transit/test/harness.ts';
import { ageSignIn, checkAccessibility, launchChromium, shot, signInAtIdentity } from './browser.ts';
import { startConsoleHarness, type ConsoleHarness } from './harness.ts';

let h: ConsoleHarness;
let transit: TransitHarness;
let browser: Browser;
before(async () => {
  h = await startConsoleHarness({}, { services: true });
  transit = h.services ?? assert.fail('transit was asked for');
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  await h.stop();
});

/** A service day well after transit's today (its clock runs a day ahead), as the date input takes it. */
const laterDay = (days: number): string => new Date(transit.now() + days * 86_400_000).toISOString().slice(0, 10);

/** The reason of transit's newest audit row. */
const newestAuditReason = async (): Promise<string | undefined> =>
  (
    await transit.operator.listAuditEvents({
      actor: '',
      actionPrefix: '',
      targetPrefix: '',
      occurredFrom: undefined,
      occurredBefore: undefined,
      pageSize: 1,
      pageToken: '',
    })
  ).events[0]?.reason;

const gateOf = async (gateId: string) =>
  (await transit.operator.listGates(ListGatesRequest.fromPartial({ search: gateId }))).gates[0];

test('transit pages - gates searched and assigned, the deny list, fare rules previewed then put after a fresh sign-in', async () => {
  const password = await h.operator('tara', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  const htmxRequests: string[] = [];
  page.on('request', (request) => {
    if (request.headers()['hx-request'] === 'true') htmxRequests.push(new URL(request.url()).pathname);
  });
  await page.goto(`${h.url}/`);
  await signInAtIdentity(h, page, 'tara', password);
  await page.getByText('Signed in as tara').waitFor();

  // Gates: every gate of the feed on one page, then searched in place by htmx.
  await page.getByRole('link', { name: 'Find metro gates' }).click();
  await page.getByRole('heading', { name: 'Gates', exact: true }).waitFor();
  assert.equal(await page.locator('#gates-results tbody tr').count(), 20);
  await checkAccessibility(page, 'gates');
  await shot(page, 'transit-01-gates');
  await page.getByLabel('Gate id or station id starts with').fill('market');
  await page.getByRole('button', { name: 'Search gates' }).click();
  await page.waitForURL(/search=market/);
  await page.locator('#gates-results tbody tr').nth(1).waitFor();
  assert.equal(await page.locator('#gates-results tbody tr').count(), 2);
  await checkAccessibility(page, 'gates searched (htmx)');
  await shot(page, 'transit-02-gates-searched');

  // Assign one of them, with a reason that transit's audit log keeps; then a bad operator name is refused next to its
  // field, and a reason of spaces next to the reason, and neither changes anything.
  await page.getByLabel('Gate operator (its service name)').fill('fleet-north');
  await page.getByLabel('Assign market-g1').check();
  await page.getByLabel('Reason (kept in the audit log)').fill('fleet north runs the market station');
  await page.getByRole('button', { name: 'Assign the chosen gates' }).click();
  await page.getByText('1 gate(s) now operated by fleet-north.').waitFor();
  assert.equal((await gateOf('market-g1'))?.clientId, 'fleet-north');
  assert.equal(await newestAuditReason(), 'fleet north runs the market station');
  assert.equal((await gateOf('market-g2'))?.clientId, 'gates');
  assert.match(await page.locator('#gates-results').innerText(), /fleet-north/);
  await checkAccessibility(page, 'gates assigned');
  await page.getByLabel('Gate operator (its service name)').fill('Bad Fleet');
  await page.getByLabel('Assign market-g2').check();
  await page.getByLabel('Reason (kept in the audit log)').fill('a second fleet');
  await page.getByRole('button', { name: 'Assign the chosen gates' }).click();
  await page.locator('#client_id-error').waitFor();
  assert.match(await page.locator('#client_id-error').innerText(), /CLIENT_ID_INVALID/);
  assert.equal((await gateOf('market-g2'))?.clientId, 'gates');
  await checkAccessibility(page, 'gates refused');
  await shot(page, 'transit-03-gates-refused');
  await page.getByLabel('Gate operator (its service name)').fill('fleet-north');
  await page.getByLabel('Assign market-g2').check();
  await page.getByLabel('Reason (kept in the audit log)').fill('   ');
  await page.getByRole('button', { name: 'Assign the chosen gates' }).click();
  await page.locator('#reason-error').waitFor();
  assert.match(await page.locator('#reason-error').innerText(), /REASON_REQUIRED/);
  assert.equal((await gateOf('market-g2'))?.clientId, 'gates');
  await checkAccessibility(page, 'gates refused for the reason');

  // The deny list: a resident whose fare could not be charged, with the debt in euros.
  const denied = randomUUID();
  await transit.db.query(
    "INSERT INTO deny_list (resident_id, debt_minor, currency, reason) VALUES ($1, 1250, 'EUR', 'INSUFFICIENT_FUNDS')",
    [denied],
  );
  await page.getByRole('link', { name: 'Deny list' }).click();
  const row = page.locator('#deny-results tbody tr').first();
  await row.waitFor();
  const rowText = await row.innerText();
  assert.ok(rowText.includes(denied), rowText);
  assert.match(rowText, /12\.50 EUR/);
  assert.match(rowText, /INSUFFICIENT_FUNDS/);
  await checkAccessibility(page, 'deny list');
  await shot(page, 'transit-04-deny-list');

  // Fare rules: a candidate with zones 1-2 at 4.00 for adults, previewed in place by htmx.
  const versionsBefore = (await transit.operator.listFareRules({})).versions.length;
  await page.getByRole('link', { name: 'Fare rules' }).click();
  await page.locator('#fare-rule-versions').waitFor();
  await checkAccessibility(page, 'fare rules');
  const effectiveFrom = laterDay(30);
  await page.getByLabel('Takes effect from').fill(effectiveFrom);
  await page.getByLabel('Zones 1-2, adult').fill('400');
  await page.getByLabel('Reason (kept in the audit log)').fill('zones 1-2 follow the new tariff');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.locator('#preview-table').waitFor();
  assert.match(await page.locator('#preview-source').innerText(), /sample commuter week/);
  // The sample week: 12 journeys Central <-> Market; 12 x 3.50 = 42.00 before, 48.00 capped at 45.00 after.
  const adult = await page.locator('#preview-table tbody tr', { hasText: 'adult' }).innerText();
  assert.match(adult, /42\.00 EUR\s+45\.00 EUR\s+1\s+0\s+0/);
  await checkAccessibility(page, 'fare rules preview (htmx)');
  await shot(page, 'transit-05-fare-rules-preview');

  // Put: the sign-in is older than the limit, so identity asks again, then the operator confirms once.
  await ageSignIn(h, context);
  await page.getByRole('button', { name: `Put the new version from ${effectiveFrom}` }).click();
  await signInAtIdentity(h, page, 'tara', password);
  await page.getByRole('heading', { name: 'Confirm the new fare rules' }).waitFor();
  await page.locator('#preview-table').waitFor();
  await checkAccessibility(page, 'confirm fare rules');
  await page.getByRole('button', { name: `Put the new version from ${effectiveFrom}` }).click();
  await page.waitForURL((url) => url.pathname === '/transit/fare-rules' || url.href.startsWith(h.identity.issuer));
  assert.equal(new URL(page.url()).pathname, '/transit/fare-rules', 'the new sign-in is enough: no second one');
  await page.getByText(`takes effect from ${effectiveFrom}`).waitFor();
  const listed = (await transit.operator.listFareRules({})).versions;
  assert.equal(listed.length, versionsBefore + 1);
  const added = listed.at(-1);
  assert.equal(added?.effectiveFrom, effectiveFrom);
  assert.equal(added.zoneFares.find((fare) => fare.fromZone === 1 && fare.toZone === 2)?.fare?.adultMinor, 400n);
  assert.equal(await newestAuditReason(), 'zones 1-2 follow the new tariff');
  await checkAccessibility(page, 'fare rules put');
  await shot(page, 'transit-06-fare-rules-put');

  // A reason of spaces: previewed, but putting it is refused next to the reason field, and nothing is put.
  await page.getByLabel('Takes effect from').fill(laterDay(45));
  await page.getByLabel('Reason (kept in the audit log)').fill('   ');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.locator('#preview-table').waitFor();
  await page.getByRole('button', { name: `Put the new version from ${laterDay(45)}` }).click();
  await page.locator('#reason-error').waitFor();
  assert.match(await page.locator('#reason-error').innerText(), /REASON_REQUIRED/);
  assert.equal((await transit.operator.listFareRules({})).versions.length, versionsBefore + 1);
  await checkAccessibility(page, 'fare rules refused for the reason');

  // A daily cap above the weekly cap: transit's reason beside the caps, no preview, nothing put.
  await page.getByLabel('Takes effect from').fill(laterDay(60));
  await page.getByLabel('Daily cap, adult').fill('99999');
  await page.getByLabel('Reason (kept in the audit log)').fill('caps for the spring');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.locator('#caps-error').waitFor();
  assert.match(await page.locator('#caps-error').innerText(), /CAP_/);
  assert.equal(await page.locator('#preview-table').count(), 0);
  await checkAccessibility(page, 'fare rules refused (htmx)');
  await shot(page, 'transit-07-fare-rules-refused');
  assert.equal((await transit.operator.listFareRules({})).versions.length, versionsBefore + 1);

  assert.deepEqual(
    consoleErrors.filter((text) => /Content Security Policy/i.test(text)),
    [],
  );
  for (const path of ['/transit/gates', '/transit/fare-rules/preview']) assert.ok(htmxRequests.includes(path), path);
  await context.close();
});

test('transit pages - without JavaScript: a gate search, an assignment and a fare rules preview are whole pages', async () => {
  const password = await h.operator('noah', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const htmxRequests: string[] = [];
  page.on('request', (request) => {
    if (request.headers()['hx-request'] === 'true') htmxRequests.push(request.url());
  });
  await page.goto(`${h.url}/transit/gates`);
  await signInAtIdentity(h, page, 'noah', password, { javaScript: false });
  await page.getByLabel('Gate id or station id starts with').fill('airport');
  await page.getByRole('button', { name: 'Search gates' }).click();
  await page.waitForURL(/search=airport/);
  assert.equal(await page.locator('#gates-results tbody tr').count(), 2);
  await page.getByLabel('Gate operator (its service name)').fill('fleet-south');
  await page.getByLabel('More gate ids').fill('airport-g1, airport-g2');
  await page.getByLabel('Reason (kept in the audit log)').fill('fleet south runs the airport');
  await page.getByRole('button', { name: 'Assign the chosen gates' }).click();
  await page.getByText('2 gate(s) now operated by fleet-south.').waitFor();
  assert.equal((await gateOf('airport-g2'))?.clientId, 'fleet-south');

  await page.goto(`${h.url}/transit/fare-rules`);
  await page.getByLabel('Takes effect from').fill(laterDay(90));
  await page.getByLabel('Reason (kept in the audit log)').fill('a later version');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.locator('#preview-table').waitFor();
  assert.match(await page.locator('#preview-table').innerText(), /everyone/);
  assert.deepEqual(htmxRequests, []);
  await context.close();
});
