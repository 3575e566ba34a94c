// Operators (`wallet:admin`, which moves money only in a finance or admin operator's refund) read any service's merchant account, holds and settlement report
// by naming the service, and the declines per reason; services still read only their own.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { liveSubjects } from '@citypass/contracts';
import { connectBus } from '@citypass/platform/bus';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { refusalOf } from '@citypass/platform/testing';
import { AuthorizationsCounted, WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { startWalletHarness, waitFor, type ServiceClient, type WalletHarness, walletOperatorToken } from './harness.ts';

let h: WalletHarness;
let shop: ServiceClient;
let operator: PromiseClient<typeof WalletServiceService>;
before(async () => {
  h = await startWalletHarness({ WALLET_COUNTS_FLUSH_MS: '50' });
  shop = await h.service('shop');
  const token = await walletOperatorToken(h.identity);
  operator = promiseClient(WalletServiceService, h.address, { metadata: () => bearer(token) });
});
after(async () => {
  operator.close();
  await h.stop();
});

const key = (): string => randomBytes(12).toString('hex');
const eur = (amountMinor: bigint): { amountMinor: bigint; currency: string } => ({ amountMinor, currency: 'EUR' });
const today = (): string => new Date().toISOString().slice(0, 10);

test("operator reads - a service's balance, holds and settlement report by name; a service reads only its own", async () => {
  const phone = await h.resident();
  await h.topUp(phone, 5_000n);
  const { hold } = await shop.wallet.authorize({
    idempotencyKey: key(),
    amount: eur(1_250n),
    presentation: phone.present('shop'),
    reference: 'order-1',
    holdTtlSeconds: 0,
    settlesTap: false,
  });
  await shop.wallet.capture({ idempotencyKey: key(), holdId: hold?.holdId ?? '', amountMinor: 1_000n });

  const balance = await operator.getBalance({ residentId: '', currency: '', service: 'shop' });
  assert.deepEqual(balance, { balance: eur(1_000n), available: eur(1_000n) });
  const holds = await operator.listHolds({ status: '', pageSize: 10, pageToken: '', service: 'shop' });
  assert.deepEqual(
    holds.holds.map((each) => [each.holdId, each.status, each.capturedMinor]),
    [[hold?.holdId, 'captured', 1_000n]],
  );
  const report = await operator.getSettlementReport({ date: today(), currency: 'EUR', service: 'shop' });
  assert.equal(report.service, 'shop');
  assert.equal(report.capturedMinor, 1_000n);
  assert.equal(report.captures, 1);

  // A service naming itself reads its own; naming another, or reading a balance by name, is refused.
  const own = await shop.wallet.listHolds({ status: '', pageSize: 10, pageToken: '', service: 'shop' });
  assert.equal(own.holds.length, 1);
  const other = await h.service('other');
  assert.deepEqual(
    await refusalOf(other.wallet.listHolds({ status: '', pageSize: 10, pageToken: '', service: 'shop' })),
    { kind: 'permission_denied', reason: 'SCOPE_MISSING' },
  );
  assert.deepEqual(
    await refusalOf(other.wallet.getSettlementReport({ date: today(), currency: 'EUR', service: 'shop' })),
    { kind: 'permission_denied', reason: 'SCOPE_MISSING' },
  );
  assert.deepEqual(await refusalOf(other.wallet.getBalance({ residentId: '', currency: '', service: 'shop' })), {
    kind: 'permission_denied',
    reason: 'SCOPE_MISSING',
  });
  // Bad names and targets change nothing and say why.
  assert.deepEqual(await refusalOf(operator.getBalance({ residentId: '', currency: '', service: 'Shop!' })), {
    kind: 'invalid_argument',
    reason: 'SERVICE_INVALID',
  });
  assert.deepEqual(
    await refusalOf(operator.getBalance({ residentId: '', currency: '', service: 'shop', payer: 'fund' })),
    { kind: 'invalid_argument', reason: 'BALANCE_TARGET_INVALID' },
  );
  assert.deepEqual(await refusalOf(operator.getBalance({ residentId: '', currency: '', service: 'nobody' })), {
    kind: 'failed_precondition',
    reason: 'MERCHANT_ACCOUNT_NOT_FOUND',
  });
  assert.deepEqual(
    await refusalOf(operator.listHolds({ status: '', pageSize: 10, pageToken: '', service: 'x'.repeat(65) })),
    { kind: 'invalid_argument', reason: 'SERVICE_INVALID' },
  );
});

test('operator reads - declines are counted per service and reason, written and published in batches with the approvals', async () => {
  const bus = await connectBus({ servers: h.identity.nats.url, name: 'declines-test' });
  const published: AuthorizationsCounted[] = [];
  const subscription = bus.nc.subscribe(liveSubjects.walletAuthorizations, {
    callback: (error, message) => {
      if (error === null) published.push(AuthorizationsCounted.decode(message.data));
    },
  });
  try {
    const poor = await h.resident();
    await h.topUp(poor, 100n);
    const decline = (amountMinor: bigint): ReturnType<typeof shop.wallet.authorize> =>
      shop.wallet.authorize({
        idempotencyKey: key(),
        amount: eur(amountMinor),
        presentation: poor.present('shop'),
        reference: '',
        holdTtlSeconds: 0,
        settlesTap: false,
      });
    await bus.nc.flush();
    await decline(50n);
    assert.deepEqual(await refusalOf(decline(500n)), { kind: 'failed_precondition', reason: 'INSUFFICIENT_FUNDS' });
    assert.deepEqual(await refusalOf(decline(700n)), { kind: 'failed_precondition', reason: 'INSUFFICIENT_FUNDS' });
    // A presentation addressed to another service is a mandate refusal, counted too.
    await assert.rejects(
      shop.wallet.authorize({
        idempotencyKey: key(),
        amount: eur(10n),
        presentation: poor.present('elsewhere'),
        reference: '',
        holdTtlSeconds: 0,
        settlesTap: false,
      }),
    );
    const counts = async (): Promise<Record<string, bigint>> => {
      const { declines } = await operator.listDeclines({ date: today() });
      return Object.fromEntries(
        declines.filter((each) => each.service === 'shop').map((each) => [each.reason, each.count]),
      );
    };
    await waitFor(async () => Object.keys(await counts()).length === 2, 'declines written');
    const written = await counts();
    assert.equal(written.INSUFFICIENT_FUNDS, 2n);
    assert.equal(
      Object.values(written).reduce((sum, each) => sum + each, 0n),
      3n,
    );
    await waitFor(
      () => Promise.resolve(published.flatMap((batch) => batch.declines).length >= 2),
      'declines published',
    );
    const live = published.flatMap((batch) => batch.declines).filter((each) => each.reason === 'INSUFFICIENT_FUNDS');
    assert.equal(
      live.reduce((sum, each) => sum + each.count, 0n),
      2n,
    );
    assert.deepEqual(await refusalOf(shop.wallet.listDeclines({ date: today() })), {
      kind: 'permission_denied',
      reason: 'SCOPE_MISSING',
    });
    assert.deepEqual(await refusalOf(operator.listDeclines({ date: '2026-02-30' })), {
      kind: 'invalid_argument',
      reason: 'DATE_INVALID',
    });
  } finally {
    subscription.unsubscribe();
    await bus.close();
  }
});
