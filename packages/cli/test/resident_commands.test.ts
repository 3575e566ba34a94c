// `citypass residents show` with every credential and its device, and `citypass residents enrollment-code`, against a
// real identity: what a script reads with --json, what a person reads without, and the exit codes of refusals.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { jwkThumbprint } from '@citypass/credential';
import { ResidentApp } from '@citypass/phone';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { startHarness, type IdentityHarness } from '../../../services/identity/test/harness.ts';
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

async function citypass(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string; json: Record<string, unknown> }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, env, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  const json = args.includes('--json') ? (JSON.parse(stdout) as Record<string, unknown>) : {};
  return { code, stdout, stderr, json };
}

const password = 'correct horse battery';

test('residents enrollment-code and show - a new code enrolls a new phone; show lists both credentials, the old one superseded', async () => {
  const created = await h.operator.createResident({
    idempotencyKey: randomBytes(8).toString('hex'),
    givenName: 'Grace',
    familyName: 'Hopper',
    birthDate: '1906-12-09',
    concessionClass: ConcessionClass.CONCESSION_CLASS_SENIOR,
    coveragePlanRef: '',
  });
  const residentId = created.resident?.residentId ?? '';
  const none = await citypass(['residents', 'show', residentId]);
  assert.equal(none.code, 0, none.stdout);
  assert.match(none.stdout, /no credentials yet/);

  const first = new ResidentApp(h.issuer);
  await first.issueCredential(await first.enroll(created.enrollmentCode?.code ?? '', password));

  // The resident lost that phone and their password: a new code, with its QR for a person.
  const issued = await citypass(['residents', 'enrollment-code', residentId, '--qr', '--json']);
  assert.equal(issued.code, 0, issued.stdout);
  assert.equal(issued.json.residentId, residentId);
  const code = String(issued.json.enrollmentCode);
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  assert.ok(Date.parse(String(issued.json.enrollmentCodeExpiresAt)) > Date.now());
  assert.match(issued.stderr, /[▀▄█]/, 'the QR code is drawn on stderr');
  const second = new ResidentApp(h.issuer);
  await second.issueCredential(await second.enroll(code, 'a brand new password'));

  const shown = await citypass(['residents', 'show', residentId, '--json']);
  assert.equal(shown.code, 0, shown.stdout);
  const credentials = shown.json.credentials as Record<string, string>[];
  assert.deepEqual(
    credentials.map((credential) => [credential.status, credential.revokedBy, credential.deviceThumbprint]),
    [
      ['active', '', jwkThumbprint(second.deviceKey.publicJwk)],
      ['superseded', 'superseded', jwkThumbprint(first.deviceKey.publicJwk)],
    ],
  );
  assert.equal(credentials[1]?.revocationReason, 'new device');
  assert.equal(shown.json.moreCredentials, false);
  assert.equal((shown.json.activeCredential as { credentialId: string }).credentialId, credentials[0]?.credentialId);

  const human = await citypass(['residents', 'show', residentId, '--limit', '1']);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /credentials, newest first:\n {2}active {5}\S+ {2}device \S{12}…/);
  assert.match(human.stdout, /more: raise --limit/);
});

test('residents enrollment-code and show - an unknown or malformed resident is exit 1 with the reason; a bad --limit is exit 2', async () => {
  const unknown = await citypass(['residents', 'enrollment-code', '00000000-0000-4000-8000-000000000000', '--json']);
  assert.equal(unknown.code, 1);
  assert.equal((unknown.json.error as { reason: string }).reason, 'RESIDENT_NOT_FOUND');
  const malformed = await citypass(['residents', 'enrollment-code', 'nobody', '--json']);
  assert.equal(malformed.code, 1);
  assert.equal((malformed.json.error as { reason: string }).reason, 'RESIDENT_ID_INVALID');
  assert.equal((await citypass(['residents', 'show', 'nobody'])).code, 1);
  assert.equal((await citypass(['residents', 'show', '00000000-0000-4000-8000-000000000000', '--limit', '0'])).code, 2);
});
