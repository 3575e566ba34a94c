// Transit with its admin port (TRANSIT_ADMIN_GRPC_PORT) set: the operator (`transit:admin`) is served there and
// refused on the gates' port; a gate the other way round. The rule itself is platform's (admin_port.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { operatorScopes, resources } from '@citypass/contracts';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { freePort, outcomeOf } from '@citypass/platform/testing';
import { TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
before(async () => {
  h = await startTransitHarness({ TRANSIT_ADMIN_GRPC_PORT: String(await freePort()) });
});
after(async () => {
  await h.stop();
});

test('admin port - gates on the public port, the operator on the admin port, each refused on the other', async () => {
  const adminAddress = `127.0.0.1:${h.transit.adminGrpcPort}`;
  const gateOnAdmin = promiseClient(TransitServiceService, adminAddress, { metadata: () => bearer(h.gateToken) });
  const listGates = { pageSize: 1, pageToken: '', search: '' };
  try {
    // The harness assigned every gate through the admin port (h.operator calls it there).
    assert.equal((await h.operator.listGates(listGates)).gates.length, 1);
    assert.equal(await outcomeOf(h.gates.getGateConfig({ gateId: 'central-g1' })), 'OK');
    assert.equal(
      await outcomeOf(gateOnAdmin.getGateConfig({ gateId: 'central-g1' })),
      'permission_denied:ADMIN_PORT_OPERATORS_ONLY',
    );
    const operatorToken = await operatorTokenOf(h);
    const operatorOnPublic = promiseClient(TransitServiceService, h.address, {
      metadata: () => bearer(operatorToken),
    });
    assert.equal(await outcomeOf(operatorOnPublic.listGates(listGates)), 'permission_denied:ADMIN_PORT_REQUIRED');
    operatorOnPublic.close();
  } finally {
    gateOnAdmin.close();
  }
});

async function operatorTokenOf(harness: TransitHarness): Promise<string> {
  const { identity } = harness.wallet;
  const response = await identity.clientCredentialsToken(
    'operator',
    identity.config.IDENTITY_OPERATOR_CLIENT_SECRET,
    resources.transit,
    operatorScopes.transit,
  );
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { access_token: string }).access_token;
}
