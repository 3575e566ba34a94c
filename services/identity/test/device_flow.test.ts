// Operators sign in to the `citypass` command line with the device authorization grant (RFC 8628): the CLI asks
// for a user code, the operator confirms it and signs in on identity's pages (Chromium here), and the CLI's poll
// gets the operator's own tokens, whose roles decide the scopes and whose name the audit log records.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../test/support/chromium.ts';
import { bearer } from '@citypass/platform/grpc';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { startHarness, type IdentityHarness } from './harness.ts';

let h: IdentityHarness;
let browser: Browser;
before(async () => {
  h = await startHarness();
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
  await h.stop();
});

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';

test('device flow - an operator signs the CLI in with a user code and acts as themself', async () => {
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  await h.operator.createOperator({
    idempotencyKey: randomBytes(8).toString('hex'),
    username: 'dana',
    roles: [OperatorRole.OPERATOR_ROLE_ADMIN],
    password,
    merchant: '',
    department: '',
  });
  const started = await fetch(
    `${h.issuer}/device/auth`,
    form({ client_id: 'citypass-cli', scope: 'openid identity:admin', resource: 'urn:citypass:identity' }),
  );
  assert.equal(started.status, 200, await started.clone().text());
  const device = (await started.json()) as {
    device_code: string;
    user_code: string;
    verification_uri: string;
    verification_uri_complete: string;
  };
  assert.match(device.verification_uri, /\/device$/);

  const pending = await fetch(
    `${h.issuer}/token`,
    form({ grant_type: deviceGrant, device_code: device.device_code, client_id: 'citypass-cli' }),
  );
  assert.equal(((await pending.json()) as { error: string }).error, 'authorization_pending');

  const page = await (await browser.newContext()).newPage();
  await page.goto(device.verification_uri_complete);
  assert.doesNotMatch(await page.content(), /https?:\/\/(?!127\.0\.0\.1)/, 'nothing loaded from a third party');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Operator sign-in' }).waitFor();
  await page.getByLabel('Username').fill('dana');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Sign-in Success' }).waitFor();

  const granted = await fetch(
    `${h.issuer}/token`,
    form({ grant_type: deviceGrant, device_code: device.device_code, client_id: 'citypass-cli' }),
  );
  const tokens = (await granted.json()) as { access_token: string; refresh_token?: string; scope?: string };
  assert.equal(granted.status, 200, JSON.stringify(tokens));
  assert.ok(tokens.refresh_token, 'a refresh token, to get a token for each resource');
  const metadata = bearer(tokens.access_token);
  await h.onboardWithToken('tram-museum', [], 'urn:citypass:wallet');
  await h.anonymous.suspendService({ clientId: 'tram-museum', reason: 'closed for winter' }, { metadata });
  const audit = await h.operator.listAuditEvents({
    subjectId: 'tram-museum',
    action: 'service.suspended',
    pageSize: 5,
    pageToken: '',
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
  });
  assert.deepEqual(
    audit.events.map((event) => event.actor),
    ['operator:dana'],
  );

  const refreshed = await fetch(
    `${h.issuer}/token`,
    form({
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: 'citypass-cli',
      resource: 'urn:citypass:identity',
    }),
  );
  assert.equal(refreshed.status, 200, await refreshed.clone().text());
  const again = await fetch(
    `${h.issuer}/token`,
    form({ grant_type: deviceGrant, device_code: device.device_code, client_id: 'citypass-cli' }),
  );
  assert.equal(again.status, 400, 'a device code is good for one sign-in');
});
