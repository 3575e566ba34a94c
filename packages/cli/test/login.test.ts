// `citypass login` against a real identity: the device authorization grant completed in Chromium on identity's
// own pages, the session kept 0600, and later commands acting as the operator (refreshing per resource) with no
// operator client secret anywhere.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../test/support/chromium.ts';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { startHarness, type IdentityHarness } from '../../../services/identity/test/harness.ts';
import { run } from '../src/run.ts';

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

test('login - the device flow signs the operator in; commands then act as them, refreshing per resource', async () => {
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  await h.operator.createOperator({
    idempotencyKey: randomBytes(8).toString('hex'),
    username: 'lena',
    roles: [OperatorRole.OPERATOR_ROLE_ADMIN],
    password,
    merchant: '',
    department: '',
  });
  const config = mkdtempSync(join(tmpdir(), 'citypass-login-'));
  const env: NodeJS.ProcessEnv = {
    CITYPASS_IDENTITY_URL: h.issuer,
    CITYPASS_IDENTITY_GRPC: `127.0.0.1:${h.identity.grpcPort}`,
    CITYPASS_DEV_ENV: join(import.meta.dirname, 'no-such-dev.env'),
    XDG_CONFIG_HOME: config,
  };
  let shown!: (url: string) => void;
  const verification = new Promise<string>((resolve) => {
    shown = resolve;
  });
  let stdout = '';
  const login = run(['login', '--json'], env, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      const complete = /\(or open (\S+)\)/.exec(text)?.[1];
      if (complete !== undefined) shown(complete);
    },
  });
  const page = await (await browser.newContext()).newPage();
  await page.goto(await verification);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Operator sign-in' }).waitFor();
  await page.getByLabel('Username').fill('lena');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Sign-in Success' }).waitFor();
  assert.equal(await login, 0, stdout);
  const path = join(config, 'citypass', 'session.json');
  assert.equal((JSON.parse(stdout) as { session: string }).session, path);
  assert.equal(statSync(path).mode & 0o777, 0o600);

  // Drop the held token: the next command refreshes for identity and keeps the new tokens.
  const stored = JSON.parse(readFileSync(path, 'utf8')) as { tokens: Record<string, unknown> };
  writeFileSync(path, JSON.stringify({ ...stored, tokens: {} }), { mode: 0o600 });
  await h.onboardWithToken('night-bus', [], 'urn:citypass:wallet');
  const code = await run(['services', 'suspend', 'night-bus', '--reason', 'route paused'], env, {
    stdout: () => undefined,
    stderr: () => undefined,
  });
  assert.equal(code, 0);
  const refreshed = JSON.parse(readFileSync(path, 'utf8')) as { tokens: Record<string, unknown> };
  assert.ok(refreshed.tokens['urn:citypass:identity'] !== undefined, 'the refreshed token is kept');
  const audit = await h.operator.listAuditEvents({
    subjectId: 'night-bus',
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
    ['operator:lena'],
  );
});
