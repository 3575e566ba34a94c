// Money fails closed: while the wallet cannot follow identity's credential status bucket (the broker is down), a
// mandate is refused UNAVAILABLE REVOCATIONS_UNAVAILABLE and the wallet's gRPC health says NOT_SERVING; once the
// broker is back it follows again and charges go through.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { HealthCheckResponse_ServingStatus, HealthService } from '@citypass/proto/grpc/health/v1/health';
import { DomainError } from '@citypass/platform/errors';
import { promiseClient } from '@citypass/platform/grpc';
import { walletServiceName } from '../src/grpc/wallet_service.ts';
import { startWalletHarness, waitFor, type ServiceClient, type WalletHarness } from './harness.ts';

let h: WalletHarness;
let shop: ServiceClient;
before(async () => {
  h = await startWalletHarness();
  shop = await h.service('shop');
});
after(async () => {
  await h.stop();
});

test('credential status - while the status bucket is not followed, mandates are refused UNAVAILABLE and health is NOT_SERVING', {
  timeout: 60_000,
}, async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const health = promiseClient(HealthService, h.address);
  const serving = async (): Promise<boolean> =>
    (await health.check({ service: walletServiceName })).status === HealthCheckResponse_ServingStatus.SERVING;
  const charge = () =>
    shop.wallet.authorize({
      idempotencyKey: randomBytes(8).toString('hex'),
      amount: { amountMinor: 100n, currency: 'EUR' },
      presentation: phone.present('shop'),
      reference: '',
      holdTtlSeconds: 0,
      settlesTap: false,
    });
  try {
    assert.equal(await serving(), true);
    await h.identity.nats.stop();
    await waitFor(async () => !(await serving()), 'health NOT_SERVING during the outage', 10_000);
    await assert.rejects(
      charge(),
      (error: unknown) =>
        error instanceof DomainError && error.kind === 'unavailable' && error.reason === 'REVOCATIONS_UNAVAILABLE',
    );
    await h.identity.nats.restart();
    await waitFor(serving, 'health SERVING once the bucket is followed again', 20_000);
    assert.ok((await charge()).hold?.holdId);
  } finally {
    health.close();
  }
});
