// Settlement against an overloaded wallet (real identity, wallet, PostgreSQL and NATS): the wallet queues four writes
// at most (WALLET_MAX_QUEUED_WRITES=4) and those places are taken by charges held on a locked account row, so every
// fare is answered WALLET_OVERLOADED. Settlement then pauses before its next wallet call, 100-200 ms and doubling
// (the delays are recorded instead of waited), holds nothing against the residents, and settles every fare once,
// exactly, when the wallet recovers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createPresentation } from '@citypass/credential';
import { waitFor } from '../../wallet/test/harness.ts';
import { gateTaps, minute } from './gate_taps.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

/** The wallet's queue bound, equal to settlement's concurrency: once the queue drains, a pass fits. */
const walletQueue = 4;
const delaysMs: number[] = [];
let h: TransitHarness;
before(async () => {
  h = await startTransitHarness(
    { TRANSIT_SETTLE_CONCURRENCY: String(walletQueue) },
    {},
    {
      wallet: { WALLET_MAX_QUEUED_WRITES: String(walletQueue) },
      sleep: (ms) => {
        delaysMs.push(ms);
        return new Promise((resolve) => setTimeout(resolve, 5));
      },
    },
  );
});
after(async () => {
  await h.stop();
});
const { tap } = gateTaps(() => h);

async function stepsByStatus(): Promise<Record<string, number>> {
  const rows = await h.db.query<{ status: string; count: string }>(
    'SELECT status, count(*) FROM settlement_steps GROUP BY status ORDER BY status',
  );
  return Object.fromEntries(rows.rows.map((row) => [row.status, Number(row.count)]));
}

test('settlement - backs off (doubling, jittered) while the wallet answers WALLET_OVERLOADED, declines nobody, and settles every fare once when it recovers', async (t) => {
  const riders = [];
  for (let index = 0; index < 6; index++) riders.push(await h.resident(2_000n));
  for (const phone of riders) assert.equal((await tap(phone, 'central-g1', 'in')).decision, 'OPEN');
  h.clockOffsetMs += 10 * minute;
  for (const phone of riders) assert.equal((await tap(phone, 'market-g2', 'out')).decision, 'OPEN');

  // The wallet's one place is taken by a shop's charge on a resident whose account row another connection locks.
  const shop = await h.wallet.service('shop');
  const blocker = await h.resident(1_000n);
  const lock = await h.wallet.db.connect();
  let locked = true;
  const unlock = async (): Promise<void> => {
    if (!locked) return;
    locked = false;
    await lock.query('COMMIT');
    lock.release();
  };
  t.after(unlock);
  await lock.query('BEGIN');
  await lock.query("SELECT 1 FROM accounts WHERE kind = 'resident' AND owner = $1 FOR UPDATE", [blocker.residentId]);
  // Four charges on the locked account: the first waits on the row in its batch, the others behind it in memory.
  const held = Array.from({ length: walletQueue }, (_, index) =>
    shop.wallet.charge(
      {
        idempotencyKey: randomBytes(12).toString('hex'),
        amount: { amountMinor: 100n, currency: 'EUR' },
        // At the wallet's clock (transit's, running ahead), for the shop.
        presentation: createPresentation({
          credential: blocker.credential,
          devicePrivateKey: blocker.app.deviceKey.privateKey,
          audience: 'shop',
          counter: index + 1,
          nowMs: h.now(),
        }),
        reference: `till-${index}`,
        settlesTap: false,
      },
      { deadlineMs: Date.now() + 60_000 },
    ),
  );
  await waitFor(() => Promise.resolve(h.wallet.wallet.writesQueued === walletQueue), 'the wallet queue is full');

  // Passes while overloaded: each pauses settlement before the next call; the pauses double.
  for (let pass = 0; pass < 10 && delaysMs.length < 4; pass++) await h.settle();
  assert.ok(delaysMs.length >= 4, `settlement paused ${delaysMs.length} times, not 4`);
  delaysMs.slice(0, 4).forEach((delayMs, index) => {
    const ceilingMs = Math.min(5_000, 200 * 2 ** index);
    assert.ok(
      delayMs >= ceilingMs / 2 && delayMs <= ceilingMs,
      `pause ${index}: ${delayMs} ms, not ${ceilingMs / 2}-${ceilingMs}`,
    );
  });
  for (const phone of riders) assert.equal(await h.balance(phone), 2_000n);
  assert.deepEqual(await stepsByStatus(), { pending: riders.length }, 'an overloaded wallet is no decline');

  await unlock();
  await Promise.all(held);
  await h.settle();
  for (const phone of riders) assert.equal(await h.balance(phone), 2_000n - 350n, 'zone 1 -> 2 is 3.50');
  assert.deepEqual(await stepsByStatus(), { done: riders.length });
  await h.settle();
  for (const phone of riders) assert.equal(await h.balance(phone), 1_650n, 'charged once');
});
