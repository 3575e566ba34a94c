// The ledger's invariants under concurrency, against real PostgreSQL: no resident ever below zero, conservation
// after a concurrent mix of everything, exactly one effect per idempotency key, and the database itself refusing
// what the code must never do.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { DomainError } from '@citypass/platform/errors';
import { reconciliationReport } from '../src/app/reconciliation_report.ts';
import { ledgerBooks } from '../src/store/reconciliation.ts';
import { expireDueHolds } from '../src/workers/hold_expiry.ts';
import { createWalletStore } from '../src/store/wallet_store.ts';
import { startWalletHarness, type Phone, type ServiceClient, type WalletHarness } from './harness.ts';

let h: WalletHarness;
let shop: ServiceClient;
before(async () => {
  h = await startWalletHarness({
    WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: '100000',
    WALLET_RISK_DAILY_LIMIT_MINOR: '100000000',
    WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '100000000',
  });
  shop = await h.service('shop', ['refund:shop']);
});
after(async () => {
  await h.stop();
});

const key = (): string => randomBytes(12).toString('hex');
const eur = (amountMinor: bigint): { amountMinor: bigint; currency: string } => ({ amountMinor, currency: 'EUR' });

/**
 * Calls as a client should: RESOURCE_EXHAUSTED ACCOUNT_BUSY (more calls wait on one account than the wallet
 * queues) is retried with the same request.
 */
async function politely<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof DomainError && error.reason === 'ACCOUNT_BUSY')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    return error instanceof DomainError ? error.reason : String(error);
  }
}

test('ledger - many concurrent authorizations against a small balance never approve more than it holds', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const results = await Promise.all(
    Array.from({ length: 60 }, () =>
      reasonOf(
        politely(() =>
          shop.wallet.authorize({
            idempotencyKey: key(),
            amount: eur(70n),
            presentation: phone.present('shop'),
            reference: '',
            holdTtlSeconds: 0,
            settlesTap: false,
          }),
        ),
      ),
    ),
  );
  const approved = results.filter((r) => r === 'OK').length;
  assert.equal(approved, 14, `approved ${approved}: 14 x 70 = 980 fits in 1,000, a 15th does not`);
  assert.deepEqual([...new Set(results.filter((r) => r !== 'OK'))], ['INSUFFICIENT_FUNDS']);
  const row = (
    await h.db.query<{ balance_minor: string; held_minor: string }>(
      "SELECT balance_minor, held_minor FROM accounts WHERE kind = 'resident' AND owner = $1",
      [phone.residentId],
    )
  ).rows[0];
  assert.deepEqual([row?.balance_minor, row?.held_minor], ['1000', '980']);
});

test('ledger - an idempotency storm has exactly one effect per key', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 100_000n);
  const requests = Array.from({ length: 10 }, () => ({
    idempotencyKey: key(),
    amount: eur(100n),
    presentation: phone.present('shop'),
    reference: '',
    holdTtlSeconds: 0,
    settlesTap: false,
  }));
  const responses = await Promise.all(
    requests.flatMap((request) => Array.from({ length: 15 }, () => politely(() => shop.wallet.authorize(request)))),
  );
  const holdIds = new Set(responses.map((response) => response.hold?.holdId));
  assert.equal(holdIds.size, 10);
  const captures = [...holdIds].map((holdId) => ({ idempotencyKey: key(), holdId: holdId ?? '', amountMinor: 60n }));
  await Promise.all(
    captures.flatMap((capture) => Array.from({ length: 10 }, () => politely(() => shop.wallet.capture(capture)))),
  );
  const counts = (
    await h.db.query<{ holds: string; transfers: string }>(
      `SELECT (SELECT count(*) FROM holds WHERE resident_id = $1) AS holds,
            (SELECT count(*) FROM transfers t JOIN holds h ON h.id = t.hold_id WHERE h.resident_id = $1) AS transfers`,
      [phone.residentId],
    )
  ).rows[0];
  assert.deepEqual([counts?.holds, counts?.transfers], ['10', '10']);
});

test('ledger - after a concurrent mix of top-ups, holds, captures, voids, refunds and expiries the books balance', async () => {
  const phones: Phone[] = [];
  for (let index = 0; index < 4; index++) phones.push(await h.resident());
  const bikes = await h.service('bikes', ['refund:bikes']);
  const work = phones.flatMap((phone, index) =>
    Array.from({ length: 12 }, (_, step) => async (): Promise<void> => {
      await h.topUp(phone, BigInt(500 + step));
      const service = (index + step) % 2 === 0 ? shop : bikes;
      const { hold } = await service.wallet.authorize({
        idempotencyKey: key(),
        amount: eur(BigInt(100 + step)),
        presentation: phone.present(service.name),
        reference: `r${step}`,
        holdTtlSeconds: step % 4 === 3 ? 1 : 0,
        settlesTap: false,
      });
      const holdId = hold?.holdId ?? '';
      if (step % 4 === 0) {
        await service.wallet.capture({ idempotencyKey: key(), holdId, amountMinor: BigInt(50 + step) });
        await service.wallet.refund({ idempotencyKey: key(), holdId, amountMinor: 10n, reason: 'partial' });
      } else if (step % 4 === 1) {
        await service.wallet.capture({ idempotencyKey: key(), holdId, amountMinor: BigInt(100 + step) });
      } else if (step % 4 === 2) {
        await service.wallet.void({ idempotencyKey: key(), holdId });
      }
    }),
  );
  await Promise.all(work.map((run) => run()));
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await expireDueHolds(createWalletStore(h.db));
  const report = await reconciliationReport(ledgerBooks(h.db));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));
  const expired = await h.db.query("SELECT 1 FROM holds WHERE status = 'expired'");
  assert.ok((expired.rowCount ?? 0) >= 12, 'the short holds expired');
});

test('ledger - the database refuses a negative resident balance, edited transfers and cross-currency postings', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 100n);
  await assert.rejects(
    h.db.query("UPDATE accounts SET held_minor = held_minor + 101 WHERE kind = 'resident' AND owner = $1", [
      phone.residentId,
    ]),
    /resident_funds_never_negative/,
  );
  await assert.rejects(h.db.query('UPDATE transfers SET amount_minor = amount_minor + 1'), /immutable/);
  await assert.rejects(h.db.query('DELETE FROM transfers'), /immutable/);
  await h.db.query(
    "INSERT INTO accounts (id, kind, owner, currency) VALUES (gen_random_uuid(), 'float', 'city', 'USD')",
  );
  await assert.rejects(
    h.db.query(
      `INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, currency, amount_minor, debit_balance_after_minor, credit_balance_after_minor, created_at)
                SELECT gen_random_uuid(), 'top_up', f.id, r.id, 'USD', 1, 0, 0, now()
                FROM accounts f, accounts r WHERE f.kind = 'float' AND f.currency = 'USD' AND r.kind = 'resident' AND r.owner = $1`,
      [phone.residentId],
    ),
    /foreign key/,
  );
  await h.db.query("DELETE FROM accounts WHERE kind = 'float' AND currency = 'USD'");
});
