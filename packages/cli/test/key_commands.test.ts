// `citypass keys rotate` against a real identity: the JSON answer names the new key, identity publishes it, the
// reason is in the audit log; without --reason it is a usage error, and a second rotation while the new key is not
// signing yet is refused with identity's reason.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHarness, type IdentityHarness } from '../../../services/identity/test/harness.ts';
import { citypassJson, cliEnv, type Ran } from './citypass.ts';

let h: IdentityHarness;
let env: NodeJS.ProcessEnv;
before(async () => {
  h = await startHarness();
  env = cliEnv(h);
});
after(async () => {
  await h.stop();
});

const citypass = (args: string[]): Promise<Ran> => citypassJson(env, args);

test('keys commands - rotate publishes a new key with a reason; a second rotation waits for it to sign', async () => {
  assert.equal((await citypass(['keys', 'rotate'])).code, 2);
  const rotated = await citypass(['keys', 'rotate', '--reason', 'yearly rotation']);
  assert.equal(rotated.code, 0);
  const kid = String(rotated.json.kid);
  assert.ok(Date.parse(String(rotated.json.activatesAt)) > Date.now(), 'signs later');
  const jwks = (await (await fetch(`${h.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
  assert.ok(
    jwks.keys.some((key) => key.kid === kid),
    'published at once',
  );
  const audit = await h.operator.listAuditEvents({
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
    audit.events.map((event) => JSON.parse(event.detailsJson) as unknown),
    [{ reason: 'yearly rotation' }],
  );
  const again = await citypass(['keys', 'rotate', '--reason', 'again']);
  assert.equal(again.code, 1);
  assert.equal((again.json.error as { reason: string }).reason, 'ROTATION_PENDING');
});
