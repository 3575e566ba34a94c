// The residents pages in a real browser: a new resident's printable enrollment letter (once, without navigation on
// paper), the phone enrolling with its code, the resident's credentials with their devices, a revocation listed with
// its reason, and a new code with its letter. axe-core checks each page; screenshots as browser.test.ts writes them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { checkAccessibility, launchChromium, shot, signInAtIdentity } from './browser.ts';
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

test('residents browser - a new resident gets a printable letter with their code, once, with no navigation on paper', async () => {
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
  const letterForm = page.locator('form[action$="/letter"]');
  const sent = {
    csrf: await letterForm.locator('input[name="csrf"]').inputValue(),
    ticket: await letterForm.locator('input[name="ticket"]').inputValue(),
    code: await letterForm.locator('input[name="code"]').inputValue(),
  };
  const letterUrl = new URL((await letterForm.getAttribute('action')) ?? '', h.url).href;

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
  await context.close();
});
