// Rules on what moves money: one top-up per funding reference, risk counters that count what is spent (released
// holds give their amount back), refund rights as their own scope.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startWalletHarness, type ServiceClient, type WalletHarness } from './harness.ts';
import { outcomeOf } from '@citypass/platform/testing';

let h: WalletHarness;
let shop: ServiceClient;
let funding: ServiceClient;
before(async () => {
  h = await startWalletHarness({
    WALLET_RISK_DAILY_LIMIT_MINOR: '1000',
    WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '1000',
  });
  shop = await h.service('shop');
  funding = await h.service('bank', ['topup:bank']);
});
after(async () => {
  await h.stop();
});

const key = (): string => randomBytes(12).toString('hex');
const eur = (amountMinor: bigint): { amountMinor: bigint; currency: string } => ({ amountMinor, currency: 'EUR' });
test('top-up - a funding reference credits once, whatever the idempotency key', async () => {
  const phone = await h.resident();
  const topUp = (idempotencyKey: string, fundingReference: string): Promise<string> =>
    outcomeOf(
      funding.wallet.topUp({ idempotencyKey, residentId: phone.residentId, amount: eur(500n), fundingReference }),
    );
  assert.equal(await topUp(key(), 'payment-77'), 'OK');
  assert.equal(await topUp(key(), 'payment-77'), 'already_exists:FUNDING_REFERENCE_USED');
  assert.equal(await topUp(key(), 'payment\u000078'), 'invalid_argument:FUNDING_REFERENCE_INVALID');
  const balance = await h.db.query<{ balance_minor: string }>(
    "SELECT balance_minor FROM accounts WHERE kind = 'resident' AND owner = $1",
    [phone.residentId],
  );
  assert.equal(balance.rows[0]?.balance_minor, '500');
});

test('risk - released holds give their amount back to the daily limits', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 5_000n);
  const authorize = (amountMinor: bigint): ReturnType<typeof shop.wallet.authorize> =>
    shop.wallet.authorize({
      idempotencyKey: key(),
      amount: eur(amountMinor),
      presentation: phone.present('shop'),
      reference: '',
      holdTtlSeconds: 0,
      settlesTap: false,
    });
  for (let round = 0; round < 3; round++) {
    const { hold } = await authorize(400n);
    await shop.wallet.void({ idempotencyKey: key(), holdId: hold?.holdId ?? '' });
  }
  const { hold } = await authorize(900n);
  await shop.wallet.capture({ idempotencyKey: key(), holdId: hold?.holdId ?? '', amountMinor: 300n });
  assert.equal(await outcomeOf(authorize(700n)), 'OK', '300 spent of 1,000: 700 more fits');
  assert.equal(await outcomeOf(authorize(1n)), 'failed_precondition:RISK_DAILY_LIMIT');
});

test('scopes - refunds need the refund scope', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const { hold } = await shop.wallet.authorize({
    idempotencyKey: key(),
    amount: eur(100n),
    presentation: phone.present('shop'),
    reference: '',
    holdTtlSeconds: 0,
    settlesTap: false,
  });
  await shop.wallet.capture({ idempotencyKey: key(), holdId: hold?.holdId ?? '', amountMinor: 100n });
  assert.equal(
    await outcomeOf(
      shop.wallet.refund({ idempotencyKey: key(), holdId: hold?.holdId ?? '', amountMinor: 10n, reason: '' }),
    ),
    'permission_denied:SCOPE_MISSING',
  );
});
