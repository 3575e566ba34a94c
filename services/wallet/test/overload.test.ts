// Overload made honest, against real PostgreSQL, NATS and identity: the wallet queues at most
// WALLET_MAX_QUEUED_WRITES writes and refuses the next at once with WALLET_OVERLOADED (gRPC and NATS), writing
// nothing; a write whose caller's deadline passes while it waits for its batch is dropped before the statement, is
// not charged, and its idempotency key works afterwards, once. The batch is held deterministically: another
// connection locks one resident's account row FOR UPDATE, so the first charge's batch waits on it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ChargeRequest, ChargeResponse } from '@citypass/proto/wallet/v1/wallet';
import { walletReasons } from '@citypass/contracts';
import { request } from '@citypass/platform/bus';
import { outcomeOf } from '@citypass/platform/testing';
import { startWalletHarness, waitFor, type Phone, type ServiceClient, type WalletHarness } from './harness.ts';

const maxQueued = 5;
let h: WalletHarness;
let shop: ServiceClient;
let nc: NatsConnection;
before(async () => {
  h = await startWalletHarness({
    WALLET_MAX_QUEUED_WRITES: String(maxQueued),
    WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: '100000',
    WALLET_RISK_DAILY_LIMIT_MINOR: '100000000',
    WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '100000000',
  });
  shop = await h.service('shop');
  nc = await connect({ servers: h.identity.nats.url });
});
after(async () => {
  await nc.close();
  await h.stop();
});

const chargeOf = (phone: Phone, amountMinor: bigint): ChargeRequest => ({
  idempotencyKey: randomBytes(12).toString('hex'),
  amount: { amountMinor, currency: 'EUR' },
  presentation: phone.present('shop'),
  reference: 'till-1',
  settlesTap: false,
});

async function residentWith(amountMinor: bigint): Promise<Phone> {
  const phone = await h.resident();
  await h.topUp(phone, amountMinor);
  return phone;
}

async function balanceOf(phone: Phone): Promise<bigint> {
  const rows = await h.db.query<{ balance_minor: string }>(
    "SELECT balance_minor FROM accounts WHERE kind = 'resident' AND owner = $1 AND currency = 'EUR'",
    [phone.residentId],
  );
  return BigInt(rows.rows[0]?.balance_minor ?? '0');
}

async function keysStored(...requests: ChargeRequest[]): Promise<number> {
  const rows = await h.db.query<{ count: string }>('SELECT count(*) FROM idempotency_keys WHERE key = ANY($1)', [
    requests.map((charge) => charge.idempotencyKey),
  ]);
  return Number(rows.rows[0]?.count);
}

const overNats = (charge: ChargeRequest, deadlineMs: number): Promise<ChargeResponse> =>
  request(nc, 'wallet.v1.charge', ChargeRequest.encode(charge).finish(), {
    deadlineMs,
    headers: { Authorization: `Bearer ${shop.token}` },
  }).then((bytes) => ChargeResponse.decode(bytes));

/** Holds the batch that carries `phone`'s next write: its account row is locked until `release`. */
async function lockAccount(phone: Phone): Promise<{ release(): Promise<void> }> {
  const client = await h.db.connect();
  await client.query('BEGIN');
  await client.query("SELECT 1 FROM accounts WHERE kind = 'resident' AND owner = $1 FOR UPDATE", [phone.residentId]);
  let held = true;
  return {
    async release() {
      if (!held) return;
      held = false;
      await client.query('COMMIT');
      client.release();
    },
  };
}

async function waitingOnLock(): Promise<boolean> {
  const rows = await h.db.query<{ count: string }>(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
  );
  return Number(rows.rows[0]?.count) > 0;
}

test('overload - past WALLET_MAX_QUEUED_WRITES a write is refused at once with WALLET_OVERLOADED (gRPC and NATS) and writes nothing; an expired queued write is dropped unwritten and its key succeeds later, once', async (t) => {
  const phones: Phone[] = [];
  // One at a time: seven top-ups at once would themselves pass the bound of five.
  for (let index = 0; index < 7; index++) phones.push(await residentWith(1_000n));
  const [held, queuedOne, expiresGrpc, expiresNats, queuedTwo, refusedGrpc, refusedNats] = phones;
  assert.ok(held && queuedOne && expiresGrpc && expiresNats && queuedTwo && refusedGrpc && refusedNats);
  const longMs = (): number => Date.now() + 60_000;

  const lock = await lockAccount(held);
  t.after(() => lock.release()); // a failed assertion must not leave the wallet's batch waiting on the lock
  const heldCharge = shop.wallet.charge(chargeOf(held, 100n), { deadlineMs: longMs() });
  await waitFor(waitingOnLock, 'the first batch waits on the locked account');
  assert.equal(h.wallet.writesQueued, 1);

  const first = shop.wallet.charge(chargeOf(queuedOne, 100n), { deadlineMs: longMs() });
  // Short deadlines: these callers give up while their writes wait behind the held batch.
  const lateDeadlineMs = Date.now() + 1_500;
  const lateGrpc = chargeOf(expiresGrpc, 300n);
  const lateGrpcCall = outcomeOf(shop.wallet.charge(lateGrpc, { deadlineMs: lateDeadlineMs }));
  const lateNats = chargeOf(expiresNats, 300n);
  const lateNatsCall = outcomeOf(overNats(lateNats, lateDeadlineMs));
  const second = shop.wallet.charge(chargeOf(queuedTwo, 100n), { deadlineMs: longMs() });
  await waitFor(() => Promise.resolve(h.wallet.writesQueued === maxQueued), `${maxQueued} writes queued`);

  // The bound: refused at once, not queued, on either transport.
  const refusedOverGrpc = chargeOf(refusedGrpc, 100n);
  assert.equal(
    await outcomeOf(shop.wallet.charge(refusedOverGrpc, { deadlineMs: longMs() })),
    `resource_exhausted:${walletReasons.WALLET_OVERLOADED}`,
  );
  const refusedOverNats = chargeOf(refusedNats, 100n);
  assert.equal(
    await outcomeOf(overNats(refusedOverNats, longMs())),
    `resource_exhausted:${walletReasons.WALLET_OVERLOADED}`,
  );
  assert.equal(h.wallet.writesQueued, maxQueued, 'a refused write takes no place in the queue');

  // The short-deadline callers give up while their writes are still queued behind the held batch.
  assert.match(await lateGrpcCall, /DEADLINE_EXCEEDED/); // grpc-js's own timer: the client's status, not the wallet's
  assert.match(await lateNatsCall, /^deadline_exceeded:/);
  // grpc-js sends a deadline as a timeout relative to when the call leaves, so the wallet's view of it trails the
  // client's by the call's transit time (seen under CI load: the write was still in time when the batch formed).
  // Release the lock only once it has passed on the wallet's side too.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, lateDeadlineMs + 2_000 - Date.now())));
  await lock.release();
  await heldCharge;
  // Queued before and after the expired writes: once these are answered, the expired writes' batch is over.
  await Promise.all([first, second]);
  assert.equal(await waitingOnLock(), false);

  // Nothing was written for the refused or the expired writes: balances and keys untouched.
  for (const phone of [expiresGrpc, expiresNats, refusedGrpc, refusedNats])
    assert.equal(await balanceOf(phone), 1_000n);
  assert.equal(await keysStored(lateGrpc, lateNats, refusedOverGrpc, refusedOverNats), 0);
  assert.equal(h.wallet.writesQueued, 0);

  // The callers retry with the same keys and requests: charged now, and only once however often they repeat.
  const retried = await shop.wallet.charge(lateGrpc, { deadlineMs: longMs() });
  assert.deepEqual(await shop.wallet.charge(lateGrpc, { deadlineMs: longMs() }), retried);
  assert.equal(retried.hold?.capturedMinor, 300n);
  const retriedNats = await overNats(lateNats, longMs());
  assert.deepEqual(await overNats(lateNats, longMs()), retriedNats);
  assert.equal(await balanceOf(expiresGrpc), 700n);
  assert.equal(await balanceOf(expiresNats), 700n);
  const refusedAgain = await shop.wallet.charge(refusedOverGrpc, { deadlineMs: longMs() });
  assert.equal(refusedAgain.hold?.capturedMinor, 100n, 'a write refused as overloaded succeeds when retried');
  assert.equal(await balanceOf(refusedGrpc), 900n);
});
