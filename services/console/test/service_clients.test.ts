// An onboarded service's client page in a real browser (Debian's Chromium via playwright-core, real identity):
// rotate its secret (shown once; the old one refused at once) and suspend and resume it with a reason, each after
// signing in again. axe-core checks every page; screenshots go to services/console/test-output/screenshots.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { ageSignIn, checkAccessibility, launchChromium, shot, signInAtIdentity as signIn } from './browser.ts';
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

const signInAtIdentity = (page: Page, username: string, password: string): Promise<void> =>
  signIn(h, page, username, password);

/**
 * Clicks a dangerous action's button; when the console sends the browser to identity to sign in again, signs in
 * and confirms once (the new sign-in is fresh for the whole window). Returns whether a new sign-in was asked for.
 */
async function dangerous(page: Page, button: string, password: string): Promise<boolean> {
  const landed = (url: URL): boolean =>
    url.href.startsWith(h.identity.issuer) || /\/client\/(rotate-secret|suspend|resume)$|done=/.test(url.href);
  await page.getByRole('button', { name: button }).click();
  await page.waitForURL(landed);
  if (!page.url().startsWith(h.identity.issuer)) return false;
  await signInAtIdentity(page, 'ana', password);
  await page.getByRole('heading', { name: 'Confirm' }).waitFor();
  await checkAccessibility(page, `confirm: ${button}`);
  await page.getByRole('button', { name: button }).click();
  await page.waitForURL(landed);
  assert.ok(!page.url().startsWith(h.identity.issuer), 'a fresh sign-in is enough: no second one');
  return true;
}

/** The operator's sign-in made older than the re-sign-in window (no waiting on the clock). */
const pastReauth = (page: Page): Promise<void> => ageSignIn(h, page.context());

async function tokenStatus(secret: string): Promise<number> {
  const response = await h.identity.clientCredentialsToken(
    'shop-west',
    secret,
    'urn:citypass:wallet',
    'charge:shop-west',
  );
  return response.status;
}

test('browser - service client: rotate the secret and suspend and resume the service, each after a new sign-in', async () => {
  const password = await h.operator('ana', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const { clientSecret: firstSecret } = await h.identity.onboardWithToken('shop-west', [], 'urn:citypass:wallet');
  const context = await browser.newContext();
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') cspViolations.push(message.text());
  });

  await page.goto(`${h.url}/services/shop-west/client`);
  await signInAtIdentity(page, 'ana', password);
  await page.getByRole('heading', { name: 'Service shop-west' }).waitFor();
  assert.equal(await page.locator('#status').innerText(), 'active');
  await checkAccessibility(page, 'service client');
  await shot(page, '20-service-client');

  // Rotate: a new sign-in, a confirmation, the new secret shown once; the old one is refused at once.
  await pastReauth(page);
  assert.equal(await dangerous(page, 'Rotate the client secret', password), true);
  await page.getByRole('heading', { name: 'New secret for shop-west' }).waitFor();
  const newSecret = (await page.locator('#client-secret').innerText()).trim();
  await checkAccessibility(page, 'new secret');
  await shot(page, '21-service-secret-rotated');
  assert.notEqual(newSecret, firstSecret);
  assert.equal(await tokenStatus(newSecret), 200);
  assert.equal(await tokenStatus(firstSecret), 401);
  await page.getByRole('link', { name: 'Back to shop-west' }).click();
  assert.match(await page.locator('main').innerText(), /Secret version\s+2/);

  // A reason of spaces is refused next to the field with identity's reason; nothing changes.
  await page.getByLabel('Reason (kept in the audit log)').fill('   ');
  assert.equal(await dangerous(page, 'Suspend the service', password), false, 'signed in again just now');
  await page.locator('#reason-error').waitFor();
  assert.match(await page.locator('#reason-error').innerText(), /REASON_REQUIRED/);
  await checkAccessibility(page, 'suspension refused');
  assert.equal(await tokenStatus(newSecret), 200);

  // Suspend: the token endpoint refuses the service until it is resumed.
  await page.goto(`${h.url}/services/shop-west/client`);
  await pastReauth(page);
  await page.getByLabel('Reason (kept in the audit log)').fill('contract under review');
  assert.equal(await dangerous(page, 'Suspend the service', password), true);
  await page.getByText('The service is suspended').waitFor();
  assert.match(await page.locator('#status').innerText(), /suspended since .*contract under review/);
  await checkAccessibility(page, 'service suspended');
  await shot(page, '22-service-suspended');
  assert.equal(await tokenStatus(newSecret), 401);

  await pastReauth(page);
  await page.getByLabel('Reason (kept in the audit log)').fill('review passed');
  assert.equal(await dangerous(page, 'Resume the service', password), true);
  await page.getByText('The service is resumed').waitFor();
  assert.equal(await page.locator('#status').innerText(), 'active');
  assert.equal(await tokenStatus(newSecret), 200);

  // Every step is in identity's audit log under the operator's own name.
  const audit = await h.identity.operator.listAuditEvents({
    subjectId: 'shop-west',
    action: '',
    pageSize: 10,
    pageToken: '',
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
  });
  assert.deepEqual(
    audit.events.map((event) => [event.actor, event.action]),
    [
      ['operator:ana', 'service.resumed'],
      ['operator:ana', 'service.suspended'],
      ['operator:ana', 'service.secret_rotated'],
      ['operator:operator', 'service.onboarded'],
    ],
  );

  await page.goto(`${h.url}/services/no-such-service/client`);
  await page.getByRole('heading', { name: 'No such service' }).waitFor();
  assert.match(await page.locator('main').innerText(), /SERVICE_NOT_FOUND/);
  await checkAccessibility(page, 'unknown service');
  assert.deepEqual(
    cspViolations.filter((text) => /Content Security Policy/i.test(text)),
    [],
  );
  await context.close();
});
