// `citypass services rotate-secret|suspend|resume` against a real identity: what a script sees (the JSON answer
// and the exit code), and what the token endpoint then says to the service.
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

const tokenStatus = async (secret: string): Promise<number> =>
  (await h.clientCredentialsToken('ferry', secret, 'urn:citypass:wallet', 'charge:ferry')).status;

test('services commands - rotate prints the new secret once and the old one stops working', async () => {
  const { clientSecret } = await h.onboardWithToken('ferry', [], 'urn:citypass:wallet');
  const rotated = await citypass(['services', 'rotate-secret', 'ferry', '--idempotency-key', 'rotate-ferry-1']);
  assert.equal(rotated.code, 0);
  assert.equal(rotated.json.clientId, 'ferry');
  assert.equal(rotated.json.secretVersion, 2);
  const secret = String(rotated.json.clientSecret);
  assert.equal(await tokenStatus(secret), 200);
  assert.equal(await tokenStatus(clientSecret), 401);
  const again = await citypass(['services', 'rotate-secret', 'ferry', '--idempotency-key', 'rotate-ferry-1']);
  assert.equal(again.json.clientSecret, secret, 'the same key answers the same');
});

test('services commands - suspend and resume need a reason; unknown services are refused with exit code 1', async () => {
  const missing = await citypass(['services', 'suspend', 'ferry']);
  assert.equal(missing.code, 2);
  const unknown = await citypass(['services', 'suspend', 'nobody', '--reason', 'audit']);
  assert.equal(unknown.code, 1);
  assert.deepEqual((unknown.json.error as { reason: string }).reason, 'SERVICE_NOT_FOUND');
  const suspended = await citypass(['services', 'suspend', 'ferry', '--reason', 'safety inspection']);
  assert.equal(suspended.code, 0);
  assert.equal(suspended.json.status, 'suspended');
  assert.equal(suspended.json.suspensionReason, 'safety inspection');
  const { service } = await h.operator.getServiceClient({ clientId: 'ferry' });
  assert.equal(service?.status, 'suspended');
  const resumed = await citypass(['services', 'resume', 'ferry', '--reason', 'inspection passed']);
  assert.equal(resumed.code, 0);
  assert.equal(resumed.json.status, 'active');
});
