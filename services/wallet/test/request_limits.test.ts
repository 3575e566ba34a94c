// Every string in a request is bounded at the edge, before anything reads it, and nothing a caller sent comes back
// in a status message: an oversized field once produced a status too large for the HTTP/2 trailers, and the caller
// (with every other call on its channel) waited for its deadline. Also: an empty currency reads the resident's account.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Metadata } from '@grpc/grpc-js';
import { connect } from '@nats-io/transport-node';
import { AuthorizeRequest, CaptureRequest } from '@citypass/proto/wallet/v1/wallet';
import { request } from '@citypass/platform/bus';
import { DomainError } from '@citypass/platform/errors';
import { bearer } from '@citypass/platform/grpc';
import { startWalletHarness, waitFor, type Phone, type ServiceClient, type WalletHarness } from './harness.ts';

let h: WalletHarness;
let shop: ServiceClient;
before(async () => {
  h = await startWalletHarness({ WALLET_CURRENCIES: 'EUR,USD' });
  shop = await h.service('shop');
});
after(async () => {
  await h.stop();
});

const key = (): string => randomBytes(12).toString('hex');
const inSeconds = (seconds: number): number => Date.now() + seconds * 1000;
const asResident = (phone: Phone): Metadata => {
  const metadata = bearer('unused');
  metadata.set('citypass-presentation', phone.present('wallet'));
  return metadata;
};

async function refusal(promise: Promise<unknown>): Promise<{ kind: string; reason: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
    return { kind: error.kind, reason: error.reason, message: error.message };
  }
  assert.fail('expected a refusal');
}

test('request limits - an 80,000 and a 1,000,000 character currency are refused at once, and the channel keeps working', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 700n);
  for (const length of [80_000, 1_000_000]) {
    const refused = await refusal(
      shop.wallet.getBalance(
        { residentId: '', currency: 'E'.repeat(length) },
        { metadata: asResident(phone), deadlineMs: inSeconds(5) },
      ),
    );
    assert.deepEqual(
      { kind: refused.kind, reason: refused.reason },
      { kind: 'invalid_argument', reason: 'FIELD_TOO_LONG' },
    );
    assert.equal(refused.message, 'currency must be at most 1024 characters');
    // The same client, so the same channel: the next call is answered as usual.
    const balance = await shop.wallet.getBalance(
      { residentId: '', currency: 'EUR' },
      { metadata: asResident(phone), deadlineMs: inSeconds(5) },
    );
    assert.equal(balance.balance?.amountMinor, 700n);
  }
  const statement = await refusal(
    shop.wallet.listStatement(
      { residentId: '', currency: 'E'.repeat(80_000), pageSize: 0, pageToken: '' },
      { metadata: asResident(phone) },
    ),
  );
  assert.equal(statement.reason, 'FIELD_TOO_LONG');
  const report = await refusal(shop.wallet.getSettlementReport({ date: '2026-01-01', currency: 'E'.repeat(80_000) }));
  assert.equal(report.reason, 'FIELD_TOO_LONG');
});

test('request limits - a field at its limit passes the edge, one character more is refused, and the value never comes back', async () => {
  const phone = await h.resident();
  const atLimit = await refusal(
    shop.wallet.getBalance({ residentId: '', currency: 'Q'.repeat(1024) }, { metadata: asResident(phone) }),
  );
  assert.equal(atLimit.reason, 'CURRENCY_UNSUPPORTED');
  assert.ok(!atLimit.message.includes('QQQQ'), 'the unsupported currency is not echoed');
  const over = await refusal(
    shop.wallet.getBalance({ residentId: '', currency: 'Q'.repeat(1025) }, { metadata: asResident(phone) }),
  );
  assert.equal(over.reason, 'FIELD_TOO_LONG');
  // Presentations have a larger edge limit, 16,384; past the verifier's 4,096 they keep their own reason.
  const authorize = (presentation: string): Promise<unknown> =>
    shop.wallet.authorize({
      idempotencyKey: key(),
      amount: { amountMinor: 10n, currency: 'EUR' },
      presentation,
      reference: '',
      holdTtlSeconds: 0,
      settlesTap: false,
    });
  assert.equal((await refusal(authorize('p'.repeat(16_384)))).reason, 'PRESENTATION_TOO_LARGE');
  assert.deepEqual(await refusal(authorize('p'.repeat(16_385))), {
    kind: 'invalid_argument',
    reason: 'FIELD_TOO_LONG',
    message: 'presentation must be at most 16384 characters',
  });
  const holds = await h.db.query('SELECT 1 FROM holds WHERE resident_id = $1', [phone.residentId]);
  assert.equal(holds.rowCount, 0);
});

test('request limits - the NATS charge handlers bound fields the same way', async () => {
  const nc = await connect({ servers: h.identity.nats.url });
  const headers = { Authorization: `Bearer ${shop.token}` };
  const refused = async (subject: string, payload: Uint8Array): Promise<string> => {
    try {
      await request(nc, subject, payload, { deadlineMs: inSeconds(5), headers });
      return 'OK';
    } catch (error) {
      return error instanceof DomainError ? `${error.kind}:${error.reason}:${error.message}` : String(error);
    }
  };
  const authorize = AuthorizeRequest.encode({
    idempotencyKey: key(),
    amount: { amountMinor: 10n, currency: 'EUR' },
    presentation: '',
    reference: 'r'.repeat(2_000),
    holdTtlSeconds: 0,
    settlesTap: false,
  }).finish();
  assert.equal(
    await refused('wallet.v1.authorize', authorize),
    'invalid_argument:FIELD_TOO_LONG:reference must be at most 1024 characters',
  );
  const capture = CaptureRequest.encode({ idempotencyKey: 'k'.repeat(5_000), holdId: '', amountMinor: 1n }).finish();
  assert.equal(
    await refused('wallet.v1.capture', capture),
    'invalid_argument:FIELD_TOO_LONG:idempotency_key must be at most 1024 characters',
  );
  await nc.close();
});

test("request limits - an empty currency reads the resident account: the one they hold, or the default currency's", async () => {
  const phone = await h.resident();
  const read = async (): Promise<[unknown, string, bigint[]]> => {
    const balance = await shop.wallet.getBalance({ residentId: '', currency: '' }, { metadata: asResident(phone) });
    const statement = await shop.wallet.listStatement(
      { residentId: '', currency: '', pageSize: 0, pageToken: '' },
      { metadata: asResident(phone) },
    );
    return [balance.balance, statement.currency, statement.lines.map((line) => line.amountMinor)];
  };
  await waitFor(
    async () =>
      (await h.db.query("SELECT 1 FROM accounts WHERE kind = 'resident' AND owner = $1", [phone.residentId]))
        .rowCount === 1,
    'account opened',
  );
  // Enrolled before USD was the default: their only account is in another currency, and that is the one read.
  await h.db.query("UPDATE accounts SET currency = 'USD' WHERE kind = 'resident' AND owner = $1", [phone.residentId]);
  await topUp(phone, 40n, 'USD');
  assert.deepEqual(await read(), [{ amountMinor: 40n, currency: 'USD' }, 'USD', [40n]]);
  // Several accounts: the one in the wallet's default currency (the first configured, EUR here).
  await topUp(phone, 300n, 'EUR');
  assert.deepEqual(await read(), [{ amountMinor: 300n, currency: 'EUR' }, 'EUR', [300n]]);
  const available = await shop.wallet.getBalance({ residentId: '', currency: '' }, { metadata: asResident(phone) });
  assert.deepEqual(available.available, { amountMinor: 300n, currency: 'EUR' });
});

let funding: ServiceClient | undefined;
async function topUp(phone: Phone, amountMinor: bigint, currency: string): Promise<void> {
  funding ??= await h.service('bank', ['topup:bank']);
  await funding.wallet.topUp({
    idempotencyKey: key(),
    residentId: phone.residentId,
    amount: { amountMinor, currency },
    fundingReference: key(),
  });
}
