// Delegated administration in health billing: the codes, plans and fee schedules are the health department's. An
// operator of the transit department, or one scoped to a merchant (even a clinic), is refused; a health-department
// operator reads them. The scope comes from the operator's own console token.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { refusalOf } from '@citypass/platform/testing';
import { HealthBillingServiceService } from '@citypass/proto/health_billing/v1/health_billing';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { consoleClientEnv, signInOperator } from '../../identity/test/console_sign_in.ts';
import { secret } from '../../identity/test/harness.ts';
import { startHealthBillingHarness, type HealthBillingHarness } from './harness.ts';

let h: HealthBillingHarness;
const clientSecret = secret();
const env = consoleClientEnv(clientSecret);
const opened: PromiseClient<typeof HealthBillingServiceService>[] = [];
before(async () => {
  h = await startHealthBillingHarness(env);
});
after(async () => {
  for (const each of opened) each.close();
  await h.stop();
});

async function billingAs(username: string, scope: { merchant?: string; department?: string }) {
  const identity = h.wallet.identity;
  const password = `pw-${secret()}`;
  await identity.operator.createOperator({
    idempotencyKey: `create-${username}`,
    username,
    roles: [OperatorRole.OPERATOR_ROLE_ADMIN],
    password,
    merchant: scope.merchant ?? '',
    department: scope.department ?? '',
  });
  const client = {
    issuer: identity.issuer,
    clientId: 'console',
    clientSecret,
    redirectUri: env.IDENTITY_CONSOLE_REDIRECT_URIS,
  };
  const token = await (await signInOperator(client, username, password)).accessToken('urn:citypass:health-billing');
  const billing = promiseClient(HealthBillingServiceService, `127.0.0.1:${h.healthBilling.grpcPort}`, {
    metadata: () => bearer(token),
  });
  opened.push(billing);
  return billing;
}

test('operator scope - only health-department or unscoped operators reach the plans; others are refused', async () => {
  const expected = (await h.operator.listPlans({ planId: '' })).versions.length;
  const health = await billingAs('hugo', { department: 'health' });
  assert.equal((await health.listPlans({ planId: '' })).versions.length, expected);
  const outOfScope = { kind: 'permission_denied', reason: 'OPERATOR_OUT_OF_SCOPE' };
  const transit = await billingAs('tove', { department: 'transit' });
  assert.deepEqual(await refusalOf(transit.listPlans({ planId: '' })), outOfScope);
  const clinic = await billingAs('cleo', { merchant: h.clinic.name });
  assert.deepEqual(await refusalOf(clinic.listPlans({ planId: '' })), outOfScope);
});
