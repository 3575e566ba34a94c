// The operators' CLI against a real identity (its own database, NATS and ports): what an operator's script sees,
// the JSON object and the exit code, for each command done, refused, mistyped and unable to reach the gateway.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { IssuerKeys, PresentationVerifier, ReplayCache, RevocationSet } from '@citypass/credential';
import { freePort } from '@citypass/platform/testing';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { startHarness, type IdentityHarness } from '../../../services/identity/test/harness.ts';
import { ResidentApp } from '@citypass/phone';
import { isDomainError } from '@citypass/platform/errors';
import { run } from '../src/run.ts';
import { cliEnv } from './citypass.ts';

let h: IdentityHarness;
let env: NodeJS.ProcessEnv;

before(async () => {
  h = await startHarness();
  env = cliEnv(h);
});

after(async () => {
  await h.stop();
});

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The --json answer. */
  readonly json: JsonAnswer;
}

interface JsonAnswer {
  readonly ok: boolean;
  readonly error?: { kind: string; reason: string; message: string };
  readonly [field: string]: unknown;
}

async function citypass(args: string[], environment: NodeJS.ProcessEnv = env): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, environment, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  const json = args.includes('--json') ? (JSON.parse(stdout) as JsonAnswer) : { ok: code === 0 };
  return { code, stdout, stderr, json };
}

const name = (): string => `svc-${randomBytes(4).toString('hex')}`;

test('onboard - prints the client and its secret once; the secret signs the service in; the same key answers the same', async () => {
  const service = name();
  const args = ['onboard', service, '--display-name', 'Harbour parking', '--contact-email', 'ops@parking.example'];
  const first = await citypass([
    ...args,
    '--scope',
    `refund:${service}`,
    '--idempotency-key',
    `k-${service}`,
    '--json',
  ]);
  assert.equal(first.code, 0, first.stdout);
  assert.equal(first.json.clientId, service);
  assert.deepEqual(first.json.scopes, [`charge:${service}`, `refund:${service}`]);
  assert.equal(first.json.idempotencyKey, `k-${service}`);
  const token = await h.clientCredentialsToken(
    service,
    String(first.json.clientSecret),
    'urn:citypass:wallet',
    `charge:${service} refund:${service}`,
  );
  assert.equal(token.status, 200);

  const again = await citypass([
    ...args,
    '--scope',
    `refund:${service}`,
    '--idempotency-key',
    `k-${service}`,
    '--json',
  ]);
  assert.equal(again.code, 0);
  assert.deepEqual(again.json, first.json);

  const human = await citypass(['onboard', name(), '--display-name', 'Bikes', '--contact-email', 'ops@bikes.example']);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /^onboarded svc-[0-9a-f]{8} \(idempotency key [0-9a-f]{24}\)$/m);
  assert.match(human.stdout, /^client secret \(shown once, store it now\): \S{20,}$/m);
});

test("onboard - identity's refusal is exit 1 with its reason, as JSON on stdout or as one line on stderr", async () => {
  const refused = await citypass([
    'onboard',
    'Not A Name',
    '--display-name',
    'x',
    '--contact-email',
    'a@b.example',
    '--json',
  ]);
  assert.equal(refused.code, 1);
  assert.deepEqual(refused.json.ok, false);
  assert.equal(refused.json.error?.kind, 'invalid_argument');
  assert.equal(refused.json.error.reason, 'SERVICE_NAME_INVALID');

  const reserved = await citypass(['onboard', 'operator', '--display-name', 'x', '--contact-email', 'a@b.example']);
  assert.equal(reserved.code, 1);
  assert.match(reserved.stderr, /^citypass: SERVICE_NAME_RESERVED: /);
  assert.equal(reserved.stdout, '');
});

test("onboard - --location places the service's counter; one that is not <latitude>,<longitude> is a usage error", async () => {
  const base = ['--display-name', 'Kiosk', '--contact-email', 'ops@kiosk.example', '--json'];
  const placed = await citypass(['onboard', name(), ...base, '--location', '44.41,8.93']);
  assert.equal(placed.code, 0, placed.stderr);
  for (const bad of ['91,8.93', '44.41', 'north'])
    assert.equal((await citypass(['onboard', name(), ...base, '--location', bad])).code, 2, bad);
});

test('residents create - prints the resident and the enrollment code; the resident enrolls with it; senior and plan kept', async () => {
  const created = await citypass([
    'residents',
    'create',
    '--given-name',
    'Ada',
    '--family-name',
    'Lovelace',
    '--birth-date',
    '1950-12-10',
    '--concession',
    'senior',
    '--plan',
    'aurelia-basic',
    '--json',
  ]);
  assert.equal(created.code, 0, created.stdout);
  const residentId = String(created.json.residentId);
  const read = await h.operator.getResident({ residentId });
  assert.equal(read.resident?.concessionClass, ConcessionClass.CONCESSION_CLASS_SENIOR);
  assert.equal(read.resident.coveragePlanRef, 'aurelia-basic');
  assert.ok(Date.parse(String(created.json.enrollmentCodeExpiresAt)) > Date.now());

  const app = new ResidentApp(h.issuer);
  const token = await app.enroll(String(created.json.enrollmentCode), 'correct horse battery');
  assert.equal((await app.requestCredential(token)).status, 200);
});

test('residents create - a wrong concession is a usage error (nothing sent); a bad birth date is identity refusing it', async () => {
  const wrong = await citypass([
    'residents',
    'create',
    '--given-name',
    'A',
    '--family-name',
    'B',
    '--birth-date',
    '2000-01-01',
    '--concession',
    'vip',
    '--json',
  ]);
  assert.equal(wrong.code, 2);
  assert.equal(wrong.json.error?.reason, 'USAGE');
  assert.match(wrong.json.error.message, /adult, child, senior, student/);

  const badDate = await citypass([
    'residents',
    'create',
    '--given-name',
    'A',
    '--family-name',
    'B',
    '--birth-date',
    '2000-02-30',
    '--json',
  ]);
  assert.equal(badDate.code, 1);
  assert.equal(badDate.json.error?.kind, 'invalid_argument');
  assert.match(badDate.json.error.reason, /^[A-Z_]+$/);
});

test('residents show, revoke, audit list - the credential found, revoked with the reason, the revocation in the audit log; unknown ones are exit 1', async () => {
  const created = await h.operator.createResident({
    idempotencyKey: randomBytes(8).toString('hex'),
    givenName: 'Rev',
    familyName: 'Oked',
    birthDate: '1990-01-01',
    concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
    coveragePlanRef: '',
  });
  const app = new ResidentApp(h.issuer);
  const token = await app.enroll(created.enrollmentCode?.code ?? '', 'correct horse battery');
  assert.equal((await app.requestCredential(token)).status, 200);
  const residentId = created.resident?.residentId ?? '';
  // The operator finds the credential to revoke from the resident.
  const shown = await citypass(['residents', 'show', residentId, '--json']);
  assert.equal(shown.code, 0, shown.stdout);
  assert.equal(shown.json.familyName, 'Oked');
  assert.equal(shown.json.enrolled, true);
  const active = shown.json.activeCredential as { credentialId: string; status: string };
  const credentialId = active.credentialId;
  assert.equal(credentialId, (await h.operator.getResident({ residentId })).activeCredential?.credentialId);
  assert.equal(active.status, 'active');

  const revoked = await citypass(['revoke', credentialId, '--reason', 'phone reported stolen', '--json']);
  assert.equal(revoked.code, 0, revoked.stdout);
  assert.equal(revoked.json.status, 'revoked');
  assert.equal(revoked.json.residentId, residentId);
  const status = await h.operator.getCredentialStatus({ credentialId });
  assert.equal(status.credential?.status, 'revoked');
  assert.equal(status.credential.revocationReason, 'phone reported stolen');

  const after = await citypass(['residents', 'show', residentId, '--json']);
  assert.equal(after.json.activeCredential, null);
  // The audit log says who revoked it and why.
  const audit = await citypass(['audit', 'list', '--subject', credentialId, '--json']);
  assert.equal(audit.code, 0, audit.stdout);
  const events = audit.json.events as { actor: string; action: string; details: Record<string, unknown> }[];
  const revocation = events.find((event) => event.action === 'credential.revoked');
  assert.equal(revocation?.actor, 'operator:operator');
  assert.equal(revocation.details.reason, 'phone reported stolen');
  assert.equal(revocation.details.residentId, residentId);
  assert.equal((await citypass(['residents', 'show', 'no-such-resident', '--json'])).code, 1);
  assert.equal((await citypass(['audit', 'list', '--limit', '0'])).code, 2);

  const unknown = await citypass(['revoke', 'cred-unknown', '--reason', 'x', '--json']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.json.error?.reason ?? '', /^(CREDENTIAL_NOT_FOUND|CREDENTIAL_ID_INVALID)$/);

  const noReason = await citypass(['revoke', credentialId]);
  assert.equal(noReason.code, 2);
});

test('sign-in and reach: a wrong operator secret is exit 1 and is never printed; no gateway is exit 3; no secret at all is exit 2', async () => {
  const wrongSecret = `wrong-${randomBytes(16).toString('hex')}`;
  const refused = await citypass(['revoke', 'c-1', '--reason', 'x', '--json'], {
    ...env,
    CITYPASS_OPERATOR_CLIENT_SECRET: wrongSecret,
  });
  assert.equal(refused.code, 1);
  assert.equal(refused.json.error?.kind, 'unauthenticated');
  assert.ok(!refused.stdout.includes(wrongSecret) && !refused.stderr.includes(wrongSecret));

  const closed = await freePort();
  const unreachable = await citypass(['revoke', 'c-1', '--reason', 'x', '--json'], {
    ...env,
    CITYPASS_IDENTITY_URL: `http://127.0.0.1:${closed}`,
  });
  assert.equal(unreachable.code, 3);
  assert.equal(unreachable.json.error?.kind, 'unavailable');

  const noSecret = await citypass(['revoke', 'c-1', '--reason', 'x'], { CITYPASS_DEV_ENV: env.CITYPASS_DEV_ENV });
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.stderr, /CITYPASS_OPERATOR_CLIENT_SECRET/);
});

test('usage: unknown commands and flags are exit 2; --help and no arguments print the commands', async () => {
  assert.equal((await citypass(['frobnicate'])).code, 2);
  assert.equal(
    (await citypass(['onboard', 'x', '--display-name', 'x', '--contact-email', 'a@b.example', '--bogus'])).code,
    2,
  );
  const helped = await citypass([]);
  assert.equal(helped.code, 0);
  assert.match(helped.stdout, /residents create/);
  assert.match((await citypass(['onboard', '--help'])).stdout, /^usage: citypass onboard <name>/);
});

test('the executable: `citypass` runs as its own process and exits with the command code', async () => {
  const cli = join(import.meta.dirname, '..', 'src', 'main.ts');
  const spawned = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [cli, ...args], { env: { ...env, PATH: process.env.PATH } });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.on('close', (code) => {
        resolve({ code, stdout });
      });
    });
  const created = await spawned([
    'residents',
    'create',
    '--given-name',
    'Proc',
    '--family-name',
    'Ess',
    '--birth-date',
    '1999-09-09',
    '--json',
  ]);
  assert.equal(created.code, 0, created.stdout);
  assert.match(String((JSON.parse(created.stdout) as JsonAnswer).residentId), /^[0-9a-f-]{36}$/);
  assert.equal((await spawned(['nope'])).code, 2);
});

test('demo - a demo resident on a kept phone; each presentation verifies, with its audience, cap and a counter never reused', async () => {
  const phone = join(mkdtempSync(join(tmpdir(), 'citypass-demo-')), 'demo-phone.json');
  const demoEnv: NodeJS.ProcessEnv = { ...env, CITYPASS_DEMO_PHONE: phone };
  const noPhone = await citypass(['demo', 'present', '--audience', 'transit', '--json'], demoEnv);
  assert.equal(noPhone.code, 2);
  assert.match(noPhone.json.error?.message ?? '', /citypass demo resident/);

  const made = await citypass(['demo', 'resident', '--concession', 'student', '--json'], demoEnv);
  assert.equal(made.code, 0, made.stdout);
  assert.equal(statSync(phone).mode & 0o777, 0o600);
  const residentId = String(made.json.residentId);
  const resident = await h.operator.getResident({ residentId });
  assert.equal(resident.resident?.concessionClass, ConcessionClass.CONCESSION_CLASS_STUDENT);
  assert.equal(resident.activeCredential?.status, 'active');

  const verifier = new PresentationVerifier({
    issuer: h.issuer,
    issuerKeys: new IssuerKeys({ jwksUri: `${h.issuer}/jwks` }),
    revocations: new RevocationSet(),
    replayCache: new ReplayCache(),
    clockSkewMs: 5_000,
  });
  // Needs no operator secret: the phone is on this machine.
  const { CITYPASS_OPERATOR_CLIENT_SECRET: _unused, ...withoutSecret } = demoEnv;
  const first = await citypass(['demo', 'present', '--audience', 'transit', '--json'], withoutSecret);
  assert.equal(first.code, 0, first.stdout);
  const second = await citypass(
    ['demo', 'present', '--audience', 'parking', '--amount-cap', '250', '--json'],
    withoutSecret,
  );
  assert.equal(second.code, 0);
  assert.deepEqual([first.json.counter, second.json.counter], [1, 2]);
  const seen = await verifier.verify(String(first.json.presentation), { audience: 'transit' });
  assert.equal(seen.subject, residentId);
  assert.equal(seen.concession, 'student');
  assert.equal(seen.counter, 1);
  const capped = await verifier.verify(String(second.json.presentation), { audience: 'parking' });
  assert.deepEqual(capped.amountCap, { amountMinor: 250n, currency: 'EUR' });
  assert.equal(capped.counter, 2);
  await assert.rejects(
    verifier.verify(String(first.json.presentation), { audience: 'transit' }),
    (error) => isDomainError(error),
    'a presentation is good once',
  );
  await assert.rejects(verifier.verify(String(second.json.presentation), { audience: 'transit' }), isDomainError);

  const human = await citypass(['demo', 'present', '--audience', 'transit', '--qr'], withoutSecret);
  assert.equal(human.code, 0);
  assert.equal(human.stdout.trim().split('~').length, 2, 'stdout is the presentation alone, for $(...)');
  assert.match(human.stderr, /[▀▄█]/, 'the QR code is drawn on stderr');

  for (const wrong of [['--ttl', '61'], ['--amount-cap', '-5'], ['--currency', 'euro'], []])
    assert.equal(
      (
        await citypass(
          ['demo', 'present', ...(wrong.length === 0 ? [] : ['--audience', 'transit']), ...wrong],
          withoutSecret,
        )
      ).code,
      2,
      wrong.join(' '),
    );
});

test('operators create - prints a one-time initial password, or takes one from stdin; a wrong role sends nothing', async () => {
  const username = `op-${randomBytes(3).toString('hex')}`;
  const made = await citypass(['operators', 'create', username, '--role', 'support', '--role', 'finance', '--json']);
  assert.equal(made.code, 0, made.stdout);
  assert.equal(made.json.username, username);
  assert.deepEqual(made.json.roles, ['support', 'finance']);
  assert.ok(typeof made.json.initialPassword === 'string' && made.json.initialPassword.length >= 20);
  let stdout = '';
  const fromStdin = await run(
    ['operators', 'create', `${username}-2`, '--role', 'admin', '--password-stdin', '--json'],
    env,
    { stdout: (text) => (stdout += text), stderr: () => {}, stdin: () => Promise.resolve('a long enough password\n') },
  );
  assert.equal(fromStdin, 0, stdout);
  assert.equal((JSON.parse(stdout) as { initialPassword: string }).initialPassword, '');
  const wrongRole = await citypass(['operators', 'create', `${username}-3`, '--role', 'root', '--json']);
  assert.equal(wrongRole.code, 2);
  const audit = await h.operator.listAuditEvents({
    subjectId: `${username}-3`,
    action: '',
    pageSize: 10,
    pageToken: '',
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
  });
  assert.equal(audit.events.length, 0);
  const taken = await citypass(['operators', 'create', username, '--role', 'admin', '--json']);
  assert.equal(taken.code, 1);
  assert.equal(taken.json.error?.reason, 'OPERATOR_EXISTS');
  // Scoped to a department: the answer says so; a department identity does not know is its refusal, exit 1.
  const scoped = await citypass([
    'operators',
    'create',
    `${username}-4`,
    '--role',
    'admin',
    '--department',
    'transit',
    '--json',
  ]);
  assert.equal(scoped.code, 0, scoped.stdout);
  assert.equal(scoped.json.department, 'transit');
  assert.equal(scoped.json.merchant, '');
  const parks = await citypass([
    'operators',
    'create',
    `${username}-5`,
    '--role',
    'admin',
    '--department',
    'parks',
    '--json',
  ]);
  assert.equal(parks.code, 1);
  assert.equal(parks.json.error?.reason, 'OPERATOR_SCOPE_INVALID');
});

test('operators set-scope - changes the scope, empty flags unscope; no --reason sends nothing; an unknown operator is exit 1', async () => {
  const username = `op-${randomBytes(3).toString('hex')}`;
  assert.equal((await citypass(['operators', 'create', username, '--role', 'support', '--json'])).code, 0);
  const scoped = await citypass([
    'operators',
    'set-scope',
    username,
    '--department',
    'health',
    '--reason',
    'clinic desk',
    '--json',
  ]);
  assert.equal(scoped.code, 0, scoped.stdout);
  assert.equal(scoped.json.username, username);
  assert.equal(scoped.json.department, 'health');
  assert.equal(scoped.json.merchant, '');
  const unscoped = await citypass(['operators', 'set-scope', username, '--reason', 'back to all', '--json']);
  assert.equal(unscoped.code, 0, unscoped.stdout);
  assert.equal(unscoped.json.department, '');
  const noReason = await citypass(['operators', 'set-scope', username, '--department', 'transit', '--json']);
  assert.equal(noReason.code, 2);
  const audit = await h.operator.listAuditEvents({
    subjectId: username,
    action: 'operator.scope_set',
    pageSize: 10,
    pageToken: '',
    actionPrefix: '',
    subjectPrefix: '',
    occurredFrom: undefined,
    occurredBefore: undefined,
    actor: '',
  });
  assert.equal(audit.events.length, 2);
  const unknown = await citypass(['operators', 'set-scope', `${username}-x`, '--reason', 'r', '--json']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.json.error?.reason, 'OPERATOR_NOT_FOUND');
});

test('residents list, services list - the search finds across pages up to --limit; a bad --limit sends nothing; a bad search is exit 1', async () => {
  const family = `Zq${randomBytes(3).toString('hex')}`;
  for (const given of ['Ann', 'Bea', 'Cy'])
    await citypass([
      'residents',
      'create',
      '--given-name',
      given,
      '--family-name',
      family,
      '--birth-date',
      '1990-01-01',
    ]);
  const found = await citypass(['residents', 'list', '--search', family.toUpperCase(), '--json']);
  assert.equal(found.code, 0, found.stdout);
  const residents = found.json.residents as { givenName: string; familyName: string; residentId: string }[];
  assert.deepEqual(
    residents.map((resident) => resident.givenName),
    ['Ann', 'Bea', 'Cy'],
  );
  assert.equal(found.json.more, false);
  const limited = await citypass(['residents', 'list', '--search', family, '--limit', '2', '--json']);
  assert.equal((limited.json.residents as unknown[]).length, 2);
  assert.equal(limited.json.more, true);
  const byId = await citypass(['residents', 'list', '--search', residents[1]?.residentId ?? '']);
  assert.equal(byId.code, 0);
  assert.match(
    byId.stdout,
    new RegExp(`^${residents[1]?.residentId ?? 'x'}  ${family}, Bea  born 1990-01-01  adult  not enrolled$`, 'm'),
  );
  assert.equal((await citypass(['residents', 'list', '--limit', '0'])).code, 2);
  const refused = await citypass(['residents', 'list', '--search', 'x'.repeat(101), '--json']);
  assert.equal(refused.code, 1);
  assert.equal(refused.json.error?.reason, 'SEARCH_INVALID');

  const service = name();
  await citypass([
    'onboard',
    service,
    '--display-name',
    'Listed',
    '--contact-email',
    'ops@listed.example',
    '--scope',
    `gate:${service}`,
  ]);
  const services = await citypass(['services', 'list', '--search', service, '--json']);
  assert.equal(services.code, 0, services.stdout);
  assert.deepEqual(services.json.services, [
    {
      name: service,
      displayName: 'Listed',
      contactEmail: 'ops@listed.example',
      scopes: [`charge:${service}`, `gate:${service}`],
      capabilities: [
        { verb: 'charge', resource: 'urn:citypass:wallet' },
        { verb: 'gate', resource: 'urn:citypass:transit' },
      ],
      tokenEndpointAuthMethod: 'client_secret_basic',
      onboardedAt: (services.json.services as { onboardedAt: string }[])[0]?.onboardedAt,
    },
  ]);
  assert.match(
    (await citypass(['services', 'list', '--search', service])).stdout,
    new RegExp(`^${service}  Listed  charge:`, 'm'),
  );
});
