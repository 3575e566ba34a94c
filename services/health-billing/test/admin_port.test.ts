// Health billing with its admin port (HEALTH_BILLING_ADMIN_GRPC_PORT) set: the operator (`health-billing:admin`)
// is served there and refused on the clinics' port; a clinic the other way round. The rule is platform's
// (admin_port.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { operatorScopes, resources } from '@citypass/contracts';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { freePort, outcomeOf } from '@citypass/platform/testing';
import { HealthBillingServiceService } from '@citypass/proto/health_billing/v1/health_billing';
import { startHealthBillingProcessHarness, type HealthBillingProcessHarness } from './harness.ts';

let h: HealthBillingProcessHarness;
let adminAddress = '';
before(async () => {
  const adminPort = await freePort();
  adminAddress = `127.0.0.1:${adminPort}`;
  h = await startHealthBillingProcessHarness({ HEALTH_BILLING_ADMIN_GRPC_PORT: String(adminPort) });
});
after(async () => {
  await h.stop();
});

test('admin port - clinics on the public port, the operator on the admin port, each refused on the other', async () => {
  const { identity } = h.wallet;
  const response = await identity.clientCredentialsToken(
    'operator',
    identity.config.IDENTITY_OPERATOR_CLIENT_SECRET,
    resources.healthBilling,
    operatorScopes.healthBilling,
  );
  assert.equal(response.status, 200, await response.clone().text());
  const operatorToken = ((await response.json()) as { access_token: string }).access_token;
  const operatorOnAdmin = promiseClient(HealthBillingServiceService, adminAddress, {
    metadata: () => bearer(operatorToken),
  });
  const clinicOnAdmin = promiseClient(HealthBillingServiceService, adminAddress, {
    metadata: () => bearer(h.clinic.token),
  });
  const missingBill = { billId: '00000000-0000-4000-8000-000000000000' };
  try {
    // h.operator holds the same kind of token on the public port.
    assert.equal(await outcomeOf(h.operator.listPlans({ planId: '' })), 'permission_denied:ADMIN_PORT_REQUIRED');
    assert.equal(await outcomeOf(operatorOnAdmin.listPlans({ planId: '' })), 'OK');
    // The clinic is served on the public port (and told there is no such bill), refused on the admin port.
    assert.equal(await outcomeOf(h.clinic.billing.getBill(missingBill)), 'not_found:BILL_NOT_FOUND');
    assert.equal(await outcomeOf(clinicOnAdmin.getBill(missingBill)), 'permission_denied:ADMIN_PORT_OPERATORS_ONLY');
  } finally {
    operatorOnAdmin.close();
    clinicOnAdmin.close();
  }
});
