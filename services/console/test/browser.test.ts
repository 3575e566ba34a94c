// The console in a real browser: Debian's Chromium driven by playwright-core, through identity's real sign-in: a
// service onboarded in the console charges an enrolled resident through the wallet with its own credentials, and the
// console refunds the charge; identity's signing keys are rotated; the signed-out, refused and not-found pages.
// axe-core checks every page, and the page again after each htmx partial update, failing on any serious or
// critical WCAG 2.2 AA finding. Screenshots go to services/console/test-output/screenshots (ignored by git).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createPresentation } from '@citypass/credential';
import { ResidentApp } from '@citypass/phone';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import type { TransitHarness } from '../../transit/test/harness.ts';
import { waitFor } from '../../wallet/test/harness.ts';
import { ageSignIn, checkAccessibility, launchChromium, shot, signInAtIdentity } from './browser.ts';
import { startConsoleHarness, type ConsoleHarness } from './harness.ts';

let h: ConsoleHarness;
let services: TransitHarness;
let browser: Browser;
before(async () => {
  // The wallet (and transit) beside identity: the onboarded service charges a resident, the console refunds it.
  h = await startConsoleHarness({}, { services: true });
  assert.ok(h.services !== undefined);
  services = h.services;
  // Real time for the wallet: the phone's presentations and the wallet's clock are the same clock's.
  services.clockOffsetMs = 0;
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  await h.stop();
});

test('browser - sign in, onboard a service, charge a resident with its secret and refund in the console, revoke with a new sign-in, read the audit', async () => {
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
  await page.getByLabel('Counter location').fill('44.4056,8.9463');
  await page.getByLabel('refund: refund its charges').check();
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('heading', { name: 'Check what will be created' }).waitFor();
  assert.match(await page.locator('main').innerText(), /charge:parking-north\s+refund:parking-north/);
  assert.equal(await page.locator('#preview-location').innerText(), '44.4056,8.9463');
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

  // A location that is not one is refused next to its field before anything is created.
  await page.goto(`${h.url}/onboard`);
  await page.getByLabel('Name (becomes the client id').fill('kiosk-south');
  await page.getByLabel('Display name').fill('Kiosk South');
  await page.getByLabel('Contact email').fill('ops@kiosk-south.example');
  await page.getByLabel('Counter location').fill('91.5,8.9');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.locator('#location-error').waitFor();
  assert.match(await page.locator('#location-error').innerText(), /LOCATION_INVALID/);
  await checkAccessibility(page, 'onboard location refused (htmx)');

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
  const credential =
    ((await credentialResponse.json()) as { credentials: { credential: string }[] }).credentials[0]?.credential ?? '';

  await page.locator('#resident-link').click();
  const residentId = (await page.locator('#resident-id').innerText()).trim();
  const credentialId = (await page.locator('#credential-id').innerText()).trim();
  await checkAccessibility(page, 'resident');
  await shot(page, '05-resident');

  // The new service charges the resident with its own token and the resident's presentation; the console shows the
  // hold and refunds part of it.
  const accessToken = ((await token.json()) as { access_token: string }).access_token;
  const holds = await chargeAsNewService(accessToken, { residentId, phone, credential });
  await refundInConsole(page, context, holds, residentId, password);

  await page.goto(`${h.url}/residents/${residentId}`);

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

test("browser - identity's signing keys: admins only, rotated after a new sign-in with a reason; signed out, not found, refused and expired pages", async () => {
  const password = await h.operator('ada', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${h.url}/`);
  await signInAtIdentity(h, page, 'ada', password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Signing keys' }).click();
  await page.getByRole('heading', { name: 'Signing keys', level: 1 }).waitFor();
  const before = await page.locator('#signing-keys tbody tr').allInnerTexts();
  assert.ok(before.length > 0 && before.every((row) => /ES256\s+published/.test(row)), before.join(' | '));
  await checkAccessibility(page, 'signing keys');

  await ageSignIn(h, context);
  await page.getByLabel('Reason (kept in the audit log)').fill('yearly rotation');
  await page.getByRole('button', { name: 'Rotate the signing key' }).click();
  await signInAtIdentity(h, page, 'ada', password);
  await page.getByRole('heading', { name: 'Confirm the key rotation' }).waitFor();
  await checkAccessibility(page, 'confirm key rotation');
  await page.getByRole('button', { name: 'Rotate the signing key' }).click();
  const announced = await page.getByRole('status').innerText();
  const kid = /Key (\S+) is published/.exec(announced)?.[1] ?? assert.fail(announced);
  assert.match(
    await page.locator('#signing-keys tbody tr', { hasText: kid }).innerText(),
    /ES256\s+published, signs from/,
  );
  assert.equal(await page.locator('#signing-keys tbody tr').count(), before.length + 1);
  await checkAccessibility(page, 'signing key rotated');
  await shot(page, '09-signing-key-rotated');
  const audit = await h.identity.operator.listAuditEvents({
    subjectId: kid,
    action: 'signing_key.rotated',
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
    pageSize: 5,
    pageToken: '',
  });
  assert.deepEqual(
    audit.events.map((event) => [event.actor, JSON.parse(event.detailsJson) as unknown]),
    [['operator:ada', { reason: 'yearly rotation' }]],
  );
  // One rotation at a time: refused at the top of the form with identity's reason.
  await page.getByLabel('Reason (kept in the audit log)').fill('again');
  await page.getByRole('button', { name: 'Rotate the signing key' }).click();
  await page.getByRole('alert').filter({ hasText: 'ROTATION_PENDING' }).waitFor();
  await checkAccessibility(page, 'key rotation refused');

  // Not a page: the 404 page, with the navigation.
  const missing = await page.goto(`${h.url}/no-such-page`);
  assert.equal(missing?.status(), 404);
  await page.getByRole('heading', { name: 'Not found' }).waitFor();
  await checkAccessibility(page, 'not found');
  // A hold id that is not one, a confirmation with nothing waiting, a sign-in answer nobody asked for.
  assert.equal((await page.goto(`${h.url}/wallet/holds/not-a-hold?service=parking-north`))?.status(), 404);
  await page.getByRole('heading', { name: 'No such hold' }).waitFor();
  await checkAccessibility(page, 'no such hold');
  await page.goto(`${h.url}/keys/rotate/confirm`);
  await page.getByRole('heading', { name: 'Nothing to confirm' }).waitFor();
  await checkAccessibility(page, 'nothing to confirm');
  assert.equal((await page.goto(`${h.url}/callback?code=stale&state=stale`))?.status(), 400);
  await page.getByRole('heading', { name: 'Sign-in expired' }).waitFor();
  await checkAccessibility(page, 'sign-in expired');
  await page.goto(`${h.url}/`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Signed out' }).waitFor();
  await checkAccessibility(page, 'signed out');
  await shot(page, '10-signed-out');
  await context.close();

  // A finance operator has no link to the keys, and the page refuses them.
  const finance = await h.operator('fred', [OperatorRole.OPERATOR_ROLE_FINANCE]);
  const other = await browser.newContext();
  const refused = await other.newPage();
  await refused.goto(`${h.url}/`);
  await signInAtIdentity(h, refused, 'fred', finance);
  assert.equal(await refused.getByRole('link', { name: 'Signing keys' }).count(), 0);
  assert.equal((await refused.goto(`${h.url}/keys`))?.status(), 403);
  await refused.getByText('OPERATOR_ROLE_MISSING').waitFor();
  await checkAccessibility(refused, 'not allowed');
  await other.close();
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

/**
 * Charges 12.50 EUR of the resident (topped up with 20.00) as parking-north, through the wallet's gRPC API, and
 * authorizes 1.00 more without capturing it.
 */
async function chargeAsNewService(
  accessToken: string,
  resident: { residentId: string; phone: ResidentApp; credential: string },
): Promise<{ holdId: string; pendingHoldId: string }> {
  let counter = 0;
  const present = (audience: string): string =>
    createPresentation({
      credential: resident.credential,
      devicePrivateKey: resident.phone.deviceKey.privateKey,
      audience,
      counter: ++counter,
      nowMs: Date.now(),
    });
  await services.wallet.topUp(
    { residentId: resident.residentId, app: resident.phone, credential: resident.credential, present },
    2_000n,
  );
  // The wallet opens the merchant account when it hears of the onboarding (identity's event).
  await waitFor(
    async () =>
      ((await services.wallet.db.query("SELECT 1 FROM accounts WHERE kind = 'merchant' AND owner = 'parking-north'"))
        .rowCount ?? 0) > 0,
    'the merchant account of parking-north',
  );
  // Its counter's place, typed in the console, reached the wallet's risk places with the onboarding.
  await waitFor(
    async () =>
      (
        await services.wallet.db.query(
          "SELECT 1 FROM merchant_places WHERE service = 'parking-north' AND latitude_microdegrees = 44405600 AND longitude_microdegrees = 8946300",
        )
      ).rowCount === 1,
    'the counter location of parking-north in the wallet',
  );
  const wallet = promiseClient(WalletServiceService, services.wallet.address, { metadata: () => bearer(accessToken) });
  try {
    const { hold } = await wallet.charge({
      idempotencyKey: randomBytes(12).toString('hex'),
      amount: { amountMinor: 1_250n, currency: 'EUR' },
      presentation: present('parking-north'),
      reference: 'bay 12',
      settlesTap: false,
    });
    assert.equal(hold?.status, 'captured');
    // And one authorized but not captured: nothing to refund yet.
    const pending = await wallet.authorize({
      idempotencyKey: randomBytes(12).toString('hex'),
      amount: { amountMinor: 100n, currency: 'EUR' },
      presentation: present('parking-north'),
      reference: 'bay 13',
      holdTtlSeconds: 0,
      settlesTap: false,
    });
    return { holdId: hold.holdId, pendingHoldId: pending.hold?.holdId ?? '' };
  } finally {
    wallet.close();
  }
}

async function residentBalance(residentId: string): Promise<bigint> {
  const { rows } = await services.wallet.db.query<{ balance_minor: string }>(
    "SELECT balance_minor FROM accounts WHERE kind = 'resident' AND owner = $1",
    [residentId],
  );
  return BigInt(rows[0]?.balance_minor ?? 'NaN');
}

/**
 * The wallet page shows parking-north's hold; its page refunds 2.50 after a new sign-in, then 1.00 sent twice with
 * the same form (refunded once); too much, a malformed amount and a hold not captured are refused next to the field.
 */
async function refundInConsole(
  page: Page,
  context: BrowserContext,
  { holdId, pendingHoldId }: { holdId: string; pendingHoldId: string },
  residentId: string,
  password: string,
): Promise<void> {
  await page.getByRole('link', { name: 'Wallet', exact: true }).click();
  await page.getByLabel('Service (its client id)').fill('parking-north');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.getByRole('heading', { name: 'Wallet: parking-north' }).waitFor();
  assert.equal((await page.locator('#balance').innerText()).trim(), '12.50 EUR');
  assert.match(await page.locator('#holds tbody tr', { hasText: holdId }).innerText(), /captured\s+12\.50 EUR/);
  await checkAccessibility(page, 'wallet: the new service');
  await shot(page, '05a-wallet-new-service');

  // The risk engine's decision behind the hold.
  await page.locator('#holds tbody tr', { hasText: holdId }).getByRole('link', { name: 'Explain' }).click();
  await page.locator('#risk-decision').waitFor();
  assert.match(await page.locator('#risk-decision').innerText(), /approved/i);
  await checkAccessibility(page, 'wallet: risk decision');
  await page.goBack();

  await page.getByRole('link', { name: holdId }).click();
  await page.getByRole('heading', { name: `Hold ${holdId}` }).waitFor();
  await checkAccessibility(page, 'hold');
  // A refund asks for a new sign-in first, then a confirmation.
  await ageSignIn(h, context);
  await page.getByLabel(/^Amount in EUR/).fill('2.50');
  await page.getByLabel('Reason (kept with the refund)').fill('wrong bay charged');
  await page.getByRole('button', { name: 'Refund' }).click();
  await signInAtIdentity(h, page, 'olga', password);
  await page.getByRole('heading', { name: 'Confirm the refund' }).waitFor();
  await checkAccessibility(page, 'confirm refund');
  await page.getByRole('button', { name: 'Refund' }).click();
  await page.getByText('Refunded 2.50.').waitFor();
  assert.equal((await page.locator('#hold-refunded').innerText()).trim(), '2.50 EUR');
  await checkAccessibility(page, 'hold refunded');
  await shot(page, '05b-hold-refunded');

  // The same form sent twice (a double click, a resent request): one refund.
  await page.getByLabel(/^Amount in EUR/).fill('1.00');
  await page.getByLabel('Reason (kept with the refund)').fill('late exit');
  const form = page.locator('form[action$="/refund"]');
  const fields = Object.fromEntries(
    await Promise.all(
      ['csrf', 'service', 'idempotency_key', 'amount', 'reason'].map(
        async (name) => [name, await form.locator(`[name="${name}"]`).inputValue()] as const,
      ),
    ),
  );
  for (let send = 0; send < 2; send++) {
    const sent = await context.request.post(`${h.url}/wallet/holds/${holdId}/refund`, {
      form: fields,
      maxRedirects: 0,
    });
    assert.equal(sent.status(), 303);
  }
  // The same form aimed at the hold not captured yet: refused next to the amount, with the wallet's reason.
  const notCaptured = await context.request.post(`${h.url}/wallet/holds/${pendingHoldId}/refund`, {
    form: { ...fields, idempotency_key: randomBytes(12).toString('hex') },
    maxRedirects: 0,
  });
  assert.equal(notCaptured.status(), 422);
  assert.match(await notCaptured.text(), /id="amount-error">[^<]*<code>HOLD_NOT_CAPTURED<\/code>/);
  await page.reload();
  assert.equal((await page.locator('#hold-refunded').innerText()).trim(), '3.50 EUR');
  assert.equal(await residentBalance(residentId), 2_000n - 1_250n + 350n);

  // Refused next to the amount: more than is left, and not an amount.
  for (const [amount, reason] of [
    ['9.01', 'REFUND_EXCEEDS_CAPTURED'],
    ['1.234', 'AMOUNT_INVALID'],
  ] as const) {
    await page.getByLabel(/^Amount in EUR/).fill(amount);
    await page.getByLabel('Reason (kept with the refund)').fill('too much');
    await page.getByRole('button', { name: 'Refund' }).click();
    await page.locator('#amount-error', { hasText: reason }).waitFor();
    await checkAccessibility(page, `refund refused: ${reason}`);
  }
  await shot(page, '05c-refund-refused');
  assert.equal(await residentBalance(residentId), 2_000n - 1_250n + 350n);

  await page.getByRole('link', { name: "Back to parking-north's holds" }).click();
  assert.equal((await page.locator('#balance').innerText()).trim(), '9.00 EUR');
  assert.match(
    await page.locator('#holds tbody tr', { hasText: holdId }).innerText(),
    /captured\s+12\.50 EUR\s+12\.50 EUR\s+3\.50 EUR/,
  );
}
