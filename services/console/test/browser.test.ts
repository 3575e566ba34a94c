// The console in a real browser: Debian's Chromium driven by playwright-core, through identity's real sign-in.
// axe-core checks every page, and the page again after each htmx partial update, failing on any serious or
// critical WCAG 2.2 AA finding. Screenshots go to services/console/test-output/screenshots (ignored by git).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ResidentApp } from '@citypass/phone';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { ageSignIn, checkAccessibility, launchChromium, shot, signInAtIdentity } from './browser.ts';
import { startConsoleHarness, type ConsoleHarness } from './harness.ts';

let h: ConsoleHarness;
let browser: Browser;
before(async () => {
  h = await startConsoleHarness();
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  await h.stop();
});

test('browser - sign in, onboard a service and use its secret, create a resident, revoke with a new sign-in, read the audit', async () => {
  const password = await h.operator('olga', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const context = await browser.newContext();
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') cspViolations.push(message.text());
  });
  const htmxRequests: string[] = [];
  page.on('request', (request) => {
    if (request.headers()['hx-request'] === 'true') htmxRequests.push(new URL(request.url()).pathname);
  });

  await page.goto(`${h.url}/`);
  await signInAtIdentity(h, page, 'olga', password);
  await page.getByText('Signed in as olga').waitFor();
  assert.match(await page.locator('#roles').innerText(), /admin/);
  await checkAccessibility(page, 'home');
  await shot(page, '01-home');

  // Onboard: form -> preview (an htmx partial update) -> create.
  await page.getByRole('link', { name: 'Onboard a city service' }).first().click();
  await checkAccessibility(page, 'onboard form');
  await page.getByLabel('Name (becomes the client id').fill('parking-north');
  await page.getByLabel('Display name').fill('Parking North');
  await page.getByLabel('Contact email').fill('ops@parking-north.example');
  await page.getByLabel('refund: refund its charges').check();
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('heading', { name: 'Check what will be created' }).waitFor();
  assert.match(await page.locator('main').innerText(), /charge:parking-north\s+refund:parking-north/);
  await checkAccessibility(page, 'onboard preview (htmx)');
  await shot(page, '02-onboard-preview');
  await page.getByRole('button', { name: 'Create parking-north' }).click();
  await page.getByRole('heading', { name: 'parking-north is onboarded' }).waitFor();
  await checkAccessibility(page, 'onboard result (htmx)');
  await shot(page, '03-onboard-result');
  const clientSecret = (await page.locator('#client-secret').innerText()).trim();
  const token = await h.identity.clientCredentialsToken(
    'parking-north',
    clientSecret,
    'urn:citypass:wallet',
    'charge:parking-north refund:parking-north',
  );
  assert.equal(token.status, 200, 'the secret shown once signs the new service in');

  // A bad name is refused next to its field with identity's reason.
  await page.goto(`${h.url}/onboard`);
  await page.getByLabel('Name (becomes the client id').fill('Bad Name');
  await page.getByLabel('Display name').fill('Bad');
  await page.getByLabel('Contact email').fill('ops@bad.example');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('button', { name: 'Create Bad Name' }).click();
  await page.locator('#name-error').waitFor();
  assert.match(await page.locator('#name-error').innerText(), /SERVICE_NAME_INVALID/);
  await checkAccessibility(page, 'onboard refused (htmx)');

  // A resident, their code as text and QR; their phone enrolls and gets a credential.
  await page.getByRole('link', { name: 'Residents' }).click();
  await checkAccessibility(page, 'residents');
  await page.getByLabel('Given name').fill('Rosa');
  await page.getByLabel('Family name').fill('Parks');
  await page.getByLabel('Birth date').fill('1985-02-04');
  await page.getByRole('button', { name: 'Create resident' }).click();
  await page.getByRole('heading', { name: 'Resident created' }).waitFor();
  const code = (await page.locator('#enrollment-code').innerText()).trim();
  assert.equal(await page.locator('.qr svg[role="img"]').count(), 1);
  await checkAccessibility(page, 'resident created');
  await shot(page, '04-resident-created');
  const phone = new ResidentApp(h.identity.issuer);
  const credentialResponse = await phone.requestCredential(await phone.enroll(code, 'correct horse battery'));
  assert.equal(credentialResponse.status, 200);

  await page.locator('#resident-link').click();
  const residentId = (await page.locator('#resident-id').innerText()).trim();
  const credentialId = (await page.locator('#credential-id').innerText()).trim();
  await checkAccessibility(page, 'resident');
  await shot(page, '05-resident');

  // Revoke: the sign-in is older than the limit, so identity asks again (max_age=0), then the operator confirms.
  await ageSignIn(h, context);
  await page.getByLabel('Reason (kept in the audit log)').fill('phone reported stolen');
  await page.getByRole('button', { name: 'Revoke credential' }).click();
  await signInAtIdentity(h, page, 'olga', password);
  await page.getByRole('heading', { name: 'Confirm the revocation' }).waitFor();
  await checkAccessibility(page, 'confirm revocation');
  await page.getByRole('button', { name: 'Revoke credential' }).click();
  await page.getByText('The credential is revoked.').waitFor();
  await page.locator('#no-credential').waitFor();
  await shot(page, '06-revoked');
  const status = await h.identity.operator.getCredentialStatus({ credentialId });
  assert.equal(status.credential?.status, 'revoked');

  // The audit log, filtered in place by htmx.
  await page.getByRole('link', { name: 'Audit', exact: true }).click();
  await checkAccessibility(page, 'audit');
  await page.getByLabel('Target starts with').fill(credentialId);
  await page.getByLabel('Action starts with').fill('credential.rev');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/action=credential.rev/);
  const rows = page.locator('#audit-results tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  const row = await rows.first().innerText();
  assert.match(row, /operator:olga/);
  assert.match(row, /phone reported stolen/);
  assert.ok(row.includes(residentId), 'the entry names the resident');
  await checkAccessibility(page, 'audit filtered (htmx)');
  await shot(page, '07-audit');
  assert.deepEqual(
    cspViolations.filter((text) => /Content Security Policy/i.test(text)),
    [],
  );
  // htmx (from the console's own origin, under the CSP) made the partial updates checked above.
  for (const path of ['/onboard/preview', '/onboard', '/audit']) assert.ok(htmxRequests.includes(path), path);
  await context.close();
});

test('browser - keyboard only: onboarding from the form to the secret without a mouse', async () => {
  const password = await h.operator('kim', [OperatorRole.OPERATOR_ROLE_ONBOARDER]);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${h.url}/onboard`);
  await signInAtIdentity(h, page, 'kim', password);
  const focused = async (): Promise<string> =>
    String(
      await page.evaluate(
        "(document.activeElement && (document.activeElement.id || document.activeElement.textContent.trim())) || ''",
      ),
    );
  /** Tabs forward until `target` has focus (a keyboard user can reach it), at most `limit` times. */
  const tabTo = async (target: string, limit = 25): Promise<void> => {
    for (let presses = 0; presses < limit; presses++) {
      if ((await focused()) === target) return;
      await page.keyboard.press('Tab');
    }
    assert.fail(`${target} cannot be reached with Tab (focus is on ${await focused()})`);
  };
  await tabTo('name');
  await page.keyboard.type('bikes-east');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'display_name');
  await page.keyboard.type('Bikes East');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'contact_email');
  await page.keyboard.type('ops@bikes-east.example');
  await tabTo('verb-read');
  await page.keyboard.press('Space');
  await tabTo('Preview');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Check what will be created' }).waitFor();
  await tabTo('Create bikes-east');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'bikes-east is onboarded' }).waitFor();
  assert.match(await page.locator('main').innerText(), /read:bikes-east/);
  await shot(page, '08-keyboard-onboarded');
  await context.close();
});
