// The wallet's risk rule sets in the console, in a real browser through identity's real sign-in: the live rule set
// and no candidate; a bad candidate refused next to the form with the wallet's reason, nothing changed; a candidate
// put from the live rule set with a new version, its shadow report after a payment; promotion after a fresh sign-in,
// confirmed once, and the wallet then deciding with it. axe-core checks every page.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { defaultRuleSet } from '@citypass/risk';
import type { TransitHarness } from '../../transit/test/harness.ts';
import { waitFor } from '../../wallet/test/harness.ts';
import { ageSignIn, checkAccessibility, launchChromium, shot, signInAtIdentity } from './browser.ts';
import { startConsoleHarness, type ConsoleHarness } from './harness.ts';

let h: ConsoleHarness;
let services: TransitHarness;
let browser: Browser;
before(async () => {
  h = await startConsoleHarness(
    {},
    { services: true, walletOverrides: { WALLET_RISK_RULES_POLL_MS: '50', WALLET_RISK_PROMOTE_MIN_DECISIONS: '1' } },
  );
  services = h.services ?? assert.fail('the wallet was asked for');
  // The wallet's clock as the phone's: the shop's payment below is made now, not a day early.
  services.clockOffsetMs = 0;
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  await h.stop();
});

test('risk rule sets page - a bad candidate is refused, a good one shadows, promotion asks for a fresh sign-in', async () => {
  const password = await h.operator('rhea', [OperatorRole.OPERATOR_ROLE_ADMIN]);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${h.url}/wallet/risk/rules`);
  await signInAtIdentity(h, page, 'rhea', password);
  await page.locator('#risk-rule-sets').waitFor();
  const sets = page.locator('#risk-rule-sets');
  assert.match(
    await sets.locator('tr', { hasText: 'Live' }).innerText(),
    new RegExp(`${defaultRuleSet.version}\\s+\\d+\\s+built in`),
  );
  assert.match(await sets.locator('tr', { hasText: 'Candidate' }).innerText(), /none/);
  await page.getByText('No candidate runs in shadow.').waitFor();
  await checkAccessibility(page, 'risk rule sets');
  await shot(page, 'risk-01-rule-sets');

  // The textarea starts from the live rule set; an unknown feature is refused beside it, nothing changes.
  const textarea = page.getByLabel('Rule set (JSON');
  assert.deepEqual(JSON.parse(await textarea.inputValue()), defaultRuleSet);
  const bad = {
    ...defaultRuleSet,
    version: 'console-bad',
    thresholds: { default: { review: 80, decline: 70 } },
  };
  await textarea.fill(JSON.stringify(bad));
  await page.getByRole('button', { name: 'Start in shadow' }).click();
  await page.locator('#rule_set_json-error').waitFor();
  assert.match(
    await page.locator('#rule_set_json-error').innerText(),
    /review \(80\) must be below.*RISK_RULE_SET_INVALID/s,
  );
  assert.match(await sets.locator('tr', { hasText: 'Candidate' }).innerText(), /none/);
  await checkAccessibility(page, 'risk rule set refused');
  await shot(page, 'risk-02-refused');

  await textarea.fill(JSON.stringify({ ...defaultRuleSet, version: 'console-1' }));
  await page.getByRole('button', { name: 'Start in shadow' }).click();
  await page.getByText('Candidate console-1 runs in shadow.').waitFor();
  assert.match(await sets.locator('tr', { hasText: 'Candidate' }).innerText(), /console-1/);

  // One payment, decided by live and by the candidate in shadow.
  const shop = await services.wallet.service('corner-shop');
  const phone = await services.wallet.resident();
  await services.wallet.topUp(phone, 1_000n);
  await shop.wallet.charge({
    idempotencyKey: randomBytes(12).toString('hex'),
    amount: { amountMinor: 150n, currency: 'EUR' },
    presentation: phone.present(shop.name),
    reference: '',
    settlesTap: false,
  });
  await waitFor(async () => {
    await page.reload();
    const decided = await page.locator('#shadow-report tr', { hasText: 'Payments decided' }).innerText();
    return /Payments decided\s+1\s/.test(decided);
  }, 'the payment in the shadow report');
  assert.match(await page.locator('#shadow-report tr', { hasText: 'Decided alike' }).innerText(), /alike\s+1\s/);
  await checkAccessibility(page, 'shadow report');
  await shot(page, 'risk-03-shadow-report');

  // Promote: the sign-in is older than the limit, so identity asks again, then the operator confirms once.
  await ageSignIn(h, context);
  await page.getByRole('button', { name: 'Promote console-1' }).click();
  await signInAtIdentity(h, page, 'rhea', password);
  await page.getByRole('heading', { name: 'Confirm the promotion' }).waitFor();
  await page.locator('#shadow-report').waitFor();
  await checkAccessibility(page, 'confirm the promotion');
  await shot(page, 'risk-04-confirm');
  await page.getByRole('button', { name: 'Promote console-1' }).click();
  await page.waitForURL((url) => url.pathname === '/wallet/risk/rules' || url.href.startsWith(h.identity.issuer));
  assert.equal(new URL(page.url()).pathname, '/wallet/risk/rules', 'the new sign-in is enough: no second one');
  await page.getByText('console-1 is live.').waitFor();
  assert.match(await sets.locator('tr', { hasText: 'Live' }).innerText(), /console-1\s+\d+\s+.+ by .+/);
  await checkAccessibility(page, 'promoted');
  await shot(page, 'risk-05-promoted');
  const live = await services.wallet.db.query<{ version: string }>(
    "SELECT version FROM risk_rule_sets WHERE status = 'live'",
  );
  assert.deepEqual(live.rows, [{ version: 'console-1' }]);
  await context.close();
});
