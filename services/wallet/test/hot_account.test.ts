// One resident's account under a storm of concurrent writes: the storm waits in memory (bounded) instead of on the
// row lock with a pooled connection each, so it is answered with approvals, declines or a retryable ACCOUNT_BUSY,
// never INTERNAL, and everyone else's authorizations go through meanwhile.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { DomainError } from '@citypass/platform/errors';
import { reconciliationReport } from '../src/app/reconciliation_report.ts';
import { ledgerBooks } from '../src/store/reconciliation.ts';
import { startWalletHarness, type ServiceClient, type WalletHarness } from './harness.ts';

let h: WalletHarness;
let shop: ServiceClient;
before(async () => {
  h = await startWalletHarness({
    WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: '100000',
    WALLET_RISK_DAILY_LIMIT_MINOR: '100000000',
    WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '100000000',
  });
  shop = await h.service('shop');
});
after(async () => {
  await h.stop();
});

const key = (): string => randomBytes(12).toString('hex');

/** 'OK', the DomainError's kind and reason, or the gRPC code of anything else (INTERNAL would be `code 13`). */
async function outcomeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind} ${error.reason}`;
    return `code ${String((error as grpc.ServiceError).code)}`;
  }
}

test('hot account - 240 concurrent authorizations for one resident are approved, declined or ACCOUNT_BUSY, never INTERNAL; others are not starved', {
  timeout: 120_000,
}, async () => {
  const hot = await h.resident();
  await h.topUp(hot, 10_000n);
  const others = await Promise.all(Array.from({ length: 8 }, () => h.resident()));
  await Promise.all(others.map((phone) => h.topUp(phone, 1_000n)));
  const charge = (phone: typeof hot, amountMinor: bigint) =>
    shop.wallet.authorize({
      idempotencyKey: key(),
      amount: { amountMinor, currency: 'EUR' },
      presentation: phone.present('shop'),
      reference: '',
      holdTtlSeconds: 0,
      settlesTap: false,
    });

  // Connections parked on a row lock, sampled through the storm: each one is a pooled connection nobody else can use.
  const storming = { now: true };
  let mostLockWaits = 0;
  const sampler = (async () => {
    for (;;) {
      const { rows } = await h.db.query<{ n: number }>(
        // Row locks only: a wait on another transaction's row ('transactionid', 'tuple'), not a relation extension.
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event IN ('transactionid', 'tuple')`,
      );
      mostLockWaits = Math.max(mostLockWaits, rows[0]?.n ?? 0);
      if (!storming.now) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  const storm = Array.from({ length: 240 }, () => outcomeOf(charge(hot, 100n)));
  const meanwhile = others.flatMap((phone) => [outcomeOf(charge(phone, 100n)), outcomeOf(charge(phone, 100n))]);
  const [stormOutcomes, otherOutcomes] = await Promise.all([Promise.all(storm), Promise.all(meanwhile)]);
  storming.now = false;
  await sampler;
  assert.ok(
    mostLockWaits <= 1,
    `${mostLockWaits} connections waited on a row lock at once; the storm must wait in memory`,
  );

  const counts = new Map<string, number>();
  for (const outcome of stormOutcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  const allowed = new Set(['OK', 'failed_precondition INSUFFICIENT_FUNDS', 'resource_exhausted ACCOUNT_BUSY']);
  assert.deepEqual(
    [...counts.keys()].filter((outcome) => !allowed.has(outcome)),
    [],
    `storm outcomes: ${JSON.stringify([...counts])}`,
  );
  const approved = counts.get('OK') ?? 0;
  assert.ok(approved > 0 && approved <= 100, `approved ${approved}: at least one, at most the balance allows`);
  assert.ok(
    (counts.get('resource_exhausted ACCOUNT_BUSY') ?? 0) > 0,
    'the waiters past the bound were refused at once',
  );
  assert.deepEqual(
    otherOutcomes,
    otherOutcomes.map(() => 'OK'),
    'every other resident was served during the storm',
  );

  const row = (
    await h.db.query<{ held_minor: string }>("SELECT held_minor FROM accounts WHERE kind = 'resident' AND owner = $1", [
      hot.residentId,
    ])
  ).rows[0];
  assert.equal(row?.held_minor, String(approved * 100), 'exactly the approved holds are reserved');
  const report = await reconciliationReport(ledgerBooks(h.db));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));
});
