// The wallet with its admin port (WALLET_ADMIN_GRPC_PORT) set: operators are served there and refused on the public
// port, services the other way round, so a NetworkPolicy can keep the admin port to the console.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { freePort, outcomeOf } from '@citypass/platform/testing';
import { HealthCheckResponse_ServingStatus, HealthService } from '@citypass/proto/grpc/health/v1/health';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { startWalletHarness, type ServiceClient, type WalletHarness, walletOperatorToken } from './harness.ts';

let h: WalletHarness;
let shop: ServiceClient;
let adminAddress = '';
let operatorToken = '';
before(async () => {
  h = await startWalletHarness({ WALLET_ADMIN_GRPC_PORT: String(await freePort()) });
  adminAddress = `127.0.0.1:${h.wallet.adminGrpcPort}`;
  shop = await h.service('shop');
  operatorToken = await walletOperatorToken(h.identity);
});
after(async () => {
  await h.stop();
});

const walletAs = (address: string, token: string) =>
  promiseClient(WalletServiceService, address, { metadata: () => bearer(token) });

test('admin port - an operator is refused on the public port (ADMIN_PORT_REQUIRED) and served on the admin port', async () => {
  assert.equal(h.wallet.adminGrpcPort, h.config.WALLET_ADMIN_GRPC_PORT);
  const onPublic = walletAs(h.address, operatorToken);
  const onAdmin = walletAs(adminAddress, operatorToken);
  try {
    assert.equal(await outcomeOf(onPublic.getReconciliationReport({})), 'permission_denied:ADMIN_PORT_REQUIRED');
    // GetBalance is open to residents and checks an operator's token itself: the same rule holds there.
    assert.equal(
      await outcomeOf(onPublic.getBalance({ residentId: '', service: 'shop', currency: 'EUR' })),
      'permission_denied:ADMIN_PORT_REQUIRED',
    );
    const report = await onAdmin.getReconciliationReport({});
    assert.equal(report.inOrder, true, JSON.stringify(report.checks));
    assert.equal(await outcomeOf(onAdmin.getBalance({ residentId: '', service: 'shop', currency: 'EUR' })), 'OK');
  } finally {
    onPublic.close();
    onAdmin.close();
  }
});

test('admin port - a service is refused on the admin port (ADMIN_PORT_OPERATORS_ONLY) and served on the public port', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 500n);
  const request = () => ({
    idempotencyKey: randomBytes(12).toString('hex'),
    amount: { amountMinor: 100n, currency: 'EUR' },
    presentation: phone.present('shop'),
    reference: '',
    holdTtlSeconds: 0,
    settlesTap: false,
  });
  const onAdmin = walletAs(adminAddress, shop.token);
  try {
    assert.equal(await outcomeOf(onAdmin.authorize(request())), 'permission_denied:ADMIN_PORT_OPERATORS_ONLY');
    // A resident's own read (a presentation, no token) is not served there either.
    const resident = promiseClient(WalletServiceService, adminAddress);
    const metadata = bearer('');
    metadata.remove('authorization');
    metadata.set('citypass-presentation', phone.present('wallet'));
    assert.equal(
      await outcomeOf(resident.getBalance({ residentId: '', currency: 'EUR' }, { metadata })),
      'unauthenticated:TOKEN_MISSING',
    );
    resident.close();
    const { hold } = await shop.wallet.authorize(request());
    assert.equal(hold?.amount?.amountMinor, 100n);
  } finally {
    onAdmin.close();
  }
});

test('admin port - grpc.health.v1 answers on both ports', async () => {
  for (const address of [h.address, adminAddress]) {
    const health = promiseClient(HealthService, address);
    assert.equal((await health.check({ service: '' })).status, HealthCheckResponse_ServingStatus.SERVING);
    health.close();
  }
});
