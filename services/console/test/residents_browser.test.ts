// The residents pages in a real browser: a new resident's printable enrollment letter (once, without navigation on
// paper), the phone enrolling with its code, the resident's credentials with their devices, a revocation listed with
// its reason, and a new code with its letter. axe-core checks each page; screenshots as browser.test.ts writes them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import type { Logger } from '@citypass/platform/log';
import { jwkThumbprint } from '@citypass/credential';
import { ResidentApp } from '@citypass/phone';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { ageSignIn, checkAccessibility, launchChromium, shot, signInAtIdentity } from './browser.ts';
import { startConsoleHarness, type ConsoleHarness } from './harness.ts';
import { cookieName } from '../src/auth_routes.ts';

/** Every line the console logs, at every level. */
const logged: string[] = [];
function recordingLogger(): Logger {
  const record = (message: string, fields: Record<string, unknown> = {}): void => {
    logged.push(`${message} ${JSON.stringify(fields)}`);
  };
  const logger: Logger = { debug: record, info: record, warn: record, error: record, child: () => logger };
  return logger;
}

/** The console's stored session for this browser, unsealed, as text. */
async function storedSession(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies(h.url)).find((candidate) => candidate.name === cookieName(false));
  return JSON.stringify(await h.sessions.load(cookie?.value ?? assert.fail('no console session')));
}

let h: ConsoleHarness;
let browser: Browser;
before(async () => {
  h = await startConsoleHarness({}, { logger: recordingLogger() });
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  await h.stop();
});

test('residents browser - a printable letter with the code (once, no navigation on paper), the phone enrolls, its credential listed, then revoked with the reason; a new code and letter for a new phone', async () => {
  const password = await h.operator('sam', [OperatorRole.OPERATOR_ROLE_SUPPORT]);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${h.url}/residents`);
  await signInAtIdentity(h, page, 'sam', password);
  await page.getByLabel('Given name').fill('Mary');
  await page.getByLabel('Family name').fill('Seacole');
  await page.getByLabel('Birth date').fill('1955-11-23');
  await page.getByRole('button', { name: 'Create resident' }).click();
  await page.getByRole('heading', { name: 'Resident created' }).waitFor();
  const code = (await page.locator('#enrollment-code').innerText()).trim();
  const residentPath = (await page.locator('#resident-link').getAttribute('href')) ?? '';
  const letterForm = page.locator('form[action$="/letter"]');
  const sent = {
    csrf: await letterForm.locator('input[name="csrf"]').inputValue(),
    ticket: await letterForm.locator('input[name="ticket"]').inputValue(),
    code: await letterForm.locator('input[name="code"]').inputValue(),
  };
  const letterUrl = new URL((await letterForm.getAttribute('action')) ?? '', h.url).href;
  // The console keeps only the letter's ticket, not the code.
  const stored = await storedSession(context);
  assert.ok(stored.includes(sent.ticket) && !stored.includes(code), 'the session holds the ticket, never the code');

  await page.getByRole('button', { name: 'Open the printable letter' }).click();
  await page.getByRole('heading', { name: 'Your citypass enrollment' }).waitFor();
  assert.equal((await page.locator('#letter-code').innerText()).trim(), code);
  assert.match(await page.locator('#letter-to').innerText(), /Mary Seacole/);
  assert.match(await page.locator('#letter-expiry').innerText(), /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  assert.equal(await page.locator('.letter .qr svg[role="img"]').count(), 1);
  await checkAccessibility(page, 'enrollment letter');
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).isVisible(), true);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).isVisible(), false, 'no navigation on paper');
  assert.equal(await page.locator('.no-print').first().isVisible(), false);
  assert.equal(await page.locator('#letter-code').isVisible(), true);
  await shot(page, 'residents-01-letter-print');
  await page.emulateMedia({ media: 'screen' });

  // The same form sent again: refused, and the code is not in the answer.
  const again = await context.request.post(letterUrl, { form: sent, maxRedirects: 0 });
  assert.equal(again.status(), 410);
  const refused = await again.text();
  assert.match(refused, /The letter cannot be opened/);
  assert.ok(!refused.includes(code));

  // Before enrolling: no credential. The phone enrolls with the letter's code; its credential is listed, bound to
  // its key.
  await page.goto(`${h.url}${residentPath}`);
  assert.match(await page.locator('#credential-history').innerText(), /No credential yet/);
  const phone = new ResidentApp(h.identity.issuer);
  await phone.issueCredential(await phone.enroll(code, 'correct horse battery'));
  await page.reload();
  const rows = page.locator('#credential-history tbody tr');
  assert.equal(await rows.count(), 1);
  const credentialId = (await page.locator('#credential-id').innerText()).trim();
  const active = await rows.first().innerText();
  assert.match(active, /^active\t/);
  assert.ok(active.includes(credentialId));
  assert.ok(active.includes(`${jwkThumbprint(phone.deviceKey.publicJwk).slice(0, 12)}…`), active);
  await checkAccessibility(page, 'resident with credentials');
  await shot(page, 'residents-02-credentials');

  // Revoked (the sign-in is fresh: no new sign-in asked): listed as revoked, by whom, when and why.
  await page.getByLabel('Reason (kept in the audit log)').fill('phone left on the tram');
  await page.getByRole('button', { name: 'Revoke credential' }).click();
  await page.getByText('The credential is revoked.').waitFor();
  const revoked = await page.locator('#credential-history tbody tr').first().innerText();
  assert.match(revoked, /^revoked\t/);
  assert.ok(revoked.includes(credentialId));
  assert.match(revoked, /revoked by the operator, \d{4}-\d\d-\d\dT[\d:.]+Z: “phone left on the tram”/);
  await checkAccessibility(page, 'resident with a revoked credential');
  await shot(page, 'residents-03-revoked');

  // A new code for the new phone: account recovery, so an old sign-in signs in again first; then its letter.
  await ageSignIn(h, context);
  await page.getByRole('button', { name: 'Issue a new enrollment code' }).click();
  await signInAtIdentity(h, page, 'sam', password);
  await page.getByRole('heading', { name: 'Confirm the new enrollment code' }).waitFor();
  await checkAccessibility(page, 'confirm new enrollment code');
  await page.getByRole('button', { name: 'Issue a new enrollment code' }).click();
  await page.getByRole('heading', { name: 'New enrollment code' }).waitFor();
  const newCode = (await page.locator('#enrollment-code').innerText()).trim();
  assert.notEqual(newCode, code);
  await checkAccessibility(page, 'new enrollment code');
  await shot(page, 'residents-04-new-code');
  await page.getByRole('button', { name: 'Open the printable letter' }).click();
  await page.getByRole('heading', { name: 'Your citypass enrollment' }).waitFor();
  assert.equal((await page.locator('#letter-code').innerText()).trim(), newCode);
  const newPhone = new ResidentApp(h.identity.issuer);
  await newPhone.issueCredential(await newPhone.enroll(newCode, 'another horse battery'));
  await page.goto(`${h.url}${residentPath}`);
  const states = await page.locator('#credential-history tbody tr td:first-child').allInnerTexts();
  assert.deepEqual(states, ['active', 'revoked']);
  assert.ok(!(await storedSession(context)).includes(newCode));
  assert.deepEqual(
    logged.filter((line) => line.includes(code) || line.includes(newCode)),
    [],
    'no enrollment code in the logs',
  );
  await context.close();
});
