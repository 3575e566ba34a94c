// Behaviours added after a review of the ledger: one top-up per funding reference, risk counters that count what
// is spent, refund rights as their own scope, and a reconciliation that catches misdirected money.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { DomainError } from '@citypass/platform/errors';
import { reconciliationReport } from '../src/app/reconciliation_report.ts';
import { ledgerBooks } from '../src/store/reconciliation.ts';
import { startWalletHarness, type ServiceClient, type WalletHarness } from './harness.ts';

let h: WalletHarness;
let shop: ServiceClient;
let funding: ServiceClient;
before(async () => {
  h = await startWalletHarness({ WALLET_RISK_DAILY_LIMIT_MINOR: '1000', WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '1000' });
  shop = await h.service('shop');
  funding = await h.service('bank', ['topup:bank']);
});
after(async () => { await h.stop(); });

const key = (): string => randomBytes(12).toString('hex');
const eur = (amountMinor: bigint): { amountMinor: bigint; currency: string } => ({ amountMinor, currency: 'EUR' });
async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return error instanceof DomainError ? `${error.kind}:${error.reason}` : String(error);
  }
}

test('review fixes - a funding reference credits once, whatever the idempotency key', async () => {
  const phone = await h.resident();
  const topUp = (idempotencyKey: string, fundingReference: string): Promise<string> =>
    reasonOf(funding.wallet.topUp({ idempotencyKey, residentId: phone.residentId, amount: eur(500n), fundingReference }));
  assert.equal(await topUp(key(), 'payment-77'), 'OK');
  assert.equal(await topUp(key(), 'payment-77'), 'already_exists:FUNDING_REFERENCE_USED');
  assert.equal(await topUp(key(), 'payment\u000078'), 'invalid_argument:FUNDING_REFERENCE_INVALID');
  const balance = await h.db.query<{ balance_minor: string }>("SELECT balance_minor FROM accounts WHERE kind = 'resident' AND owner = $1", [phone.residentId]);
  assert.equal(balance.rows[0]?.balance_minor, '500');
});

test('review fixes - released holds give their amount back to the daily limits', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 5_000n);
  const authorize = (amountMinor: bigint): ReturnType<typeof shop.wallet.authorize> =>
    shop.wallet.authorize({ idempotencyKey: key(), amount: eur(amountMinor), presentation: phone.present('shop'), reference: '', holdTtlSeconds: 0, settlesTap: false });
  for (let round = 0; round < 3; round++) {
    const { hold } = await authorize(400n);
    await shop.wallet.void({ idempotencyKey: key(), holdId: hold?.holdId ?? '' });
  }
  const { hold } = await authorize(900n);
  await shop.wallet.capture({ idempotencyKey: key(), holdId: hold?.holdId ?? '', amountMinor: 300n });
  assert.equal(await reasonOf(authorize(700n)), 'OK', '300 spent of 1,000: 700 more fits');
  assert.equal(await reasonOf(authorize(1n)), 'failed_precondition:RISK_DAILY_LIMIT');
});

test('review fixes - refunds need the refund scope', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const { hold } = await shop.wallet.authorize({ idempotencyKey: key(), amount: eur(100n), presentation: phone.present('shop'), reference: '', holdTtlSeconds: 0, settlesTap: false });
  await shop.wallet.capture({ idempotencyKey: key(), holdId: hold?.holdId ?? '', amountMinor: 100n });
  assert.equal(
    await reasonOf(shop.wallet.refund({ idempotencyKey: key(), holdId: hold?.holdId ?? '', amountMinor: 10n, reason: '' })),
    'permission_denied:SCOPE_MISSING',
  );
});

test('review fixes - reconciliation catches money sent to the wrong merchant and holds stuck past expiry', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const other = await h.service('other');
  const { hold } = await shop.wallet.authorize({ idempotencyKey: key(), amount: eur(100n), presentation: phone.present('shop'), reference: '', holdTtlSeconds: 0, settlesTap: false });
  const scratch = await h.db.connect();
  try {
    // Forge a break inside a transaction that is rolled back: the books themselves stay intact for other tests.
    await scratch.query('BEGIN');
    await scratch.query('ALTER TABLE transfers DISABLE TRIGGER transfers_immutable');
    await scratch.query(`SELECT wallet_capture($1, 'shop', 100, gen_random_uuid(), now())`, [hold?.holdId]);
    await scratch.query(`UPDATE transfers SET credit_account_id = (SELECT id FROM accounts WHERE kind = 'merchant' AND owner = $1) WHERE hold_id = $2`, [other.name, hold?.holdId]);
    await scratch.query("INSERT INTO holds (id, service, resident_id, resident_account_id, merchant_account_id, credential_id, mandate_nonce, currency, amount_minor, status, created_at, expires_at) SELECT gen_random_uuid(), service, resident_id, resident_account_id, merchant_account_id, credential_id, 'stuck-nonce', currency, 1, 'pending', now() - interval '2 days', now() - interval '1 day' FROM holds WHERE id = $1", [hold?.holdId]);
    const report = await reconciliationReport(ledgerBooks(scratch));
    const broken = report.checks.filter((check) => check.breaks > 0).map((check) => check.name);
    assert.equal(report.ok, false);
    assert.ok(broken.includes("each hold transfer moves money between that hold's accounts, in the right direction"), broken.join('; '));
    assert.ok(broken.includes('no pending hold long past its expiry'), broken.join('; '));
  } finally {
    await scratch.query('ROLLBACK');
    scratch.release();
  }
  assert.ok((await reconciliationReport(ledgerBooks(h.db))).ok);
});
