// Charge (authorize and capture in one call) over gRPC and NATS against real PostgreSQL, NATS and identity: it
// posts every leg whole in one transaction with the events an authorize and its capture write; a refusal changes
// nothing; keys are idempotent and shared with authorize; concurrent charges of one account never overdraw it, even
// when they reach the database together; a charge refunds like a captured hold and the books still balance.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import {
  ChargeRequest,
  ChargeResponse,
  HoldChanged,
  type AuthorizeRequest,
  type Hold,
} from '@citypass/proto/wallet/v1/wallet';
import { request } from '@citypass/platform/bus';
import { bearer } from '@citypass/platform/grpc';
import { minorUnits } from '@citypass/platform/money';
import { createPool } from '@citypass/platform/pg';
import { outcomeOf } from '@citypass/platform/testing';
import { holdChanged } from '../src/bus/wallet_events.ts';
import { requestDigest } from '../src/app/request_digest.ts';
import { reconciliationReport } from '../src/app/reconciliation_report.ts';
import { ledgerBooks } from '../src/store/reconciliation.ts';
import { createWalletStore } from '../src/store/wallet_store.ts';
import { startWalletHarness, waitFor, type Phone, type ServiceClient, type WalletHarness } from './harness.ts';

const insurerName = 'charge-health-fund';
const clinicName = 'charge-clinic';

let h: WalletHarness;
let shop: ServiceClient;
let billing: ServiceClient;
let nc: NatsConnection;
before(async () => {
  h = await startWalletHarness({
    WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: '100000',
    WALLET_RISK_DAILY_LIMIT_MINOR: '100000000',
    WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '100000000',
  });
  shop = await h.service('shop', ['refund:shop']);
  billing = await h.service('health-billing', ['adjudicate:health-billing', 'refund:health-billing']);
  await h.service(clinicName);
  await h.service(insurerName, [`insure:${insurerName}`]);
  await waitFor(async () => (await account('payer', insurerName)) !== undefined, 'payer account');
  nc = await connect({ servers: h.identity.nats.url });
});
after(async () => {
  await nc.close();
  await h.stop();
});

const key = (): string => randomBytes(12).toString('hex');
const eur = (amountMinor: bigint): { amountMinor: bigint; currency: string } => ({ amountMinor, currency: 'EUR' });
const chargeRequest = (phone: Phone, amountMinor: bigint, overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({
  idempotencyKey: key(),
  amount: eur(amountMinor),
  presentation: phone.present('shop'),
  reference: 'till-1',
  settlesTap: false,
  ...overrides,
});

async function account(kind: string, owner: string): Promise<{ balance: bigint; held: bigint } | undefined> {
  const row = (
    await h.db.query<{ balance_minor: string; held_minor: string }>(
      "SELECT balance_minor, held_minor FROM accounts WHERE kind = $1 AND owner = $2 AND currency = 'EUR'",
      [kind, owner],
    )
  ).rows[0];
  return row === undefined ? undefined : { balance: BigInt(row.balance_minor), held: BigInt(row.held_minor) };
}

async function residentWith(amountMinor: bigint): Promise<Phone> {
  const phone = await h.resident();
  await h.topUp(phone, amountMinor);
  return phone;
}

/** Everything a refused charge must leave as it was: the resident's row, their holds, spend, keys and events. */
async function footprint(phone: Phone): Promise<unknown> {
  const rows = await h.db.query(
    `SELECT (SELECT row_to_json(a) FROM accounts a WHERE kind = 'resident' AND owner = $1) AS account,
            (SELECT count(*) FROM holds WHERE resident_id = $1::uuid) AS holds,
            (SELECT coalesce(sum(spent_minor), 0) FROM credential_spend) AS spent,
            (SELECT count(*) FROM idempotency_keys) AS keys,
            (SELECT count(*) FROM outbox) AS events,
            (SELECT count(*) FROM transfers) AS transfers`,
    [phone.residentId],
  );
  return rows.rows[0];
}

/** The hold events written for one hold, in the order written, decoded. */
async function eventsOf(holdId: string): Promise<{ subject: string; change: HoldChanged }[]> {
  const rows = await h.db.query<{ subject: string; payload: Buffer }>(
    "SELECT subject, payload FROM outbox WHERE subject LIKE 'wallet.v1.events.hold.%' ORDER BY created_at, subject",
  );
  return rows.rows
    .map((row) => ({ subject: row.subject, change: HoldChanged.decode(EventEnvelope.decode(row.payload).payload) }))
    .filter((event) => event.change.hold?.holdId === holdId);
}

async function books(): Promise<void> {
  const report = await reconciliationReport(ledgerBooks(h.db));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));
}

test('combined charge - posts the whole amount in one go: a captured hold, the events of an authorize and its capture, the statement and the settlement report', async () => {
  const phone = await residentWith(5_000n);
  const shopBefore = await account('merchant', 'shop');
  const { hold, transferId, payerTransferId } = await shop.wallet.charge(chargeRequest(phone, 1_200n));
  assert.ok(hold);
  assert.deepEqual(
    [hold.status, hold.capturedMinor, hold.refundedMinor, hold.payee, hold.payer, payerTransferId],
    ['captured', 1_200n, 0n, 'shop', '', ''],
  );
  assert.ok(transferId);
  assert.equal(hold.expiresAt?.getTime(), hold.createdAt?.getTime(), 'never pending: it expires as it is made');
  assert.deepEqual(await account('resident', phone.residentId), { balance: 3_800n, held: 0n });
  assert.deepEqual(await account('merchant', 'shop'), {
    balance: (shopBefore?.balance ?? 0n) + 1_200n,
    held: 0n,
  });
  const rows = await h.db.query<{ id: string; hold_id: string; kind: string; amount_minor: string }>(
    'SELECT id, hold_id, kind, amount_minor FROM transfers WHERE hold_id = $1',
    [hold.holdId],
  );
  assert.deepEqual(rows.rows, [{ id: transferId, hold_id: hold.holdId, kind: 'capture', amount_minor: '1200' }]);
  const read = await shop.wallet.getHold({ holdId: hold.holdId });
  assert.deepEqual(read.hold, hold, 'the hold as stored is the hold answered');

  const events = await eventsOf(hold.holdId);
  assert.deepEqual(
    events.map(({ subject, change }) => [subject, change.hold?.status, change.amountMinor, change.transferId]),
    [
      ['wallet.v1.events.hold.authorized', 'pending', 1_200n, ''],
      ['wallet.v1.events.hold.captured', 'captured', 1_200n, transferId],
    ],
  );

  const metadata = bearer('unused');
  metadata.set('citypass-presentation', phone.present('wallet'));
  const statement = await shop.wallet.listStatement(
    { residentId: '', currency: 'EUR', pageSize: 10, pageToken: '' },
    { metadata },
  );
  assert.deepEqual(
    statement.lines.map((line) => [line.kind, line.amountMinor, line.counterparty, line.holdId]),
    [
      ['capture', -1_200n, 'shop', hold.holdId],
      ['top_up', 5_000n, '', ''],
    ],
  );
  const report = await shop.wallet.getSettlementReport({
    date: new Date().toISOString().slice(0, 10),
    currency: 'EUR',
  });
  assert.ok(report.captures >= 1 && report.capturedMinor >= 1_200n);
  await books();
});

test('combined charge - refused for want of funds, or for a mandate already used, changes nothing', async () => {
  const phone = await residentWith(500n);
  const before = await footprint(phone);
  assert.equal(
    await outcomeOf(shop.wallet.charge(chargeRequest(phone, 501n))),
    'failed_precondition:INSUFFICIENT_FUNDS',
  );
  assert.deepEqual(await footprint(phone), before, 'no hold, transfer, spend, key or event');

  const presentation = phone.present('shop');
  await shop.wallet.authorize({
    idempotencyKey: key(),
    amount: eur(100n),
    presentation,
    reference: '',
    holdTtlSeconds: 0,
    settlesTap: false,
  });
  const afterAuthorize = await footprint(phone);
  assert.equal(
    await outcomeOf(shop.wallet.charge(chargeRequest(phone, 100n, { presentation }))),
    'permission_denied:MANDATE_ALREADY_USED',
  );
  assert.deepEqual(await footprint(phone), afterAuthorize);
  await books();
});

test('combined charge - the same key and request answer as the first time; another request, or a key an authorize used, is refused', async () => {
  const phone = await residentWith(5_000n);
  const first = chargeRequest(phone, 700n);
  const answered = await shop.wallet.charge(first);
  assert.deepEqual(await shop.wallet.charge(first), answered, 'a repeat gets the first answer');
  assert.equal(
    await outcomeOf(shop.wallet.charge({ ...first, amount: eur(701n) })),
    'already_exists:IDEMPOTENCY_KEY_REUSED',
  );
  assert.deepEqual(await account('resident', phone.residentId), { balance: 4_300n, held: 0n }, 'charged once');

  // An authorize and a charge that encode alike: the key is still one command's.
  const presentation = phone.present('shop');
  const authorizeKey = key();
  const authorizeRequest: AuthorizeRequest = {
    idempotencyKey: authorizeKey,
    amount: eur(50n),
    presentation,
    reference: 'same',
    holdTtlSeconds: 0,
    settlesTap: false,
  };
  await shop.wallet.authorize(authorizeRequest);
  const { holdTtlSeconds: _unused, ...sameFields } = authorizeRequest;
  assert.equal(await outcomeOf(shop.wallet.charge(sameFields)), 'already_exists:IDEMPOTENCY_KEY_REUSED');
  assert.equal(
    await outcomeOf(shop.wallet.authorize({ ...authorizeRequest, idempotencyKey: first.idempotencyKey })),
    'already_exists:IDEMPOTENCY_KEY_REUSED',
    "and an authorize cannot take a charge's key",
  );
  assert.deepEqual(await account('resident', phone.residentId), { balance: 4_300n, held: 50n });
  await books();
});

test('combined charge - over NATS request/reply with the caller token, the same answers as gRPC', async () => {
  const phone = await residentWith(1_000n);
  const headers = { Authorization: `Bearer ${shop.token}` };
  const deadlineMs = Date.now() + 5_000;
  const bytes = ChargeRequest.encode(chargeRequest(phone, 250n)).finish();
  const charged = ChargeResponse.decode(await request(nc, 'wallet.v1.charge', bytes, { deadlineMs, headers }));
  assert.deepEqual([charged.hold?.status, charged.hold?.capturedMinor], ['captured', 250n]);
  const repeated = ChargeResponse.decode(await request(nc, 'wallet.v1.charge', bytes, { deadlineMs, headers }));
  assert.deepEqual(repeated, charged);
  assert.equal(
    await outcomeOf(request(nc, 'wallet.v1.charge', bytes, { deadlineMs })),
    'unauthenticated:TOKEN_MISSING',
  );
  assert.equal(
    await outcomeOf(
      request(nc, 'wallet.v1.charge', ChargeRequest.encode(chargeRequest(phone, 751n)).finish(), {
        deadlineMs,
        headers,
      }),
    ),
    'failed_precondition:INSUFFICIENT_FUNDS',
  );
  assert.equal(
    await outcomeOf(
      request(nc, 'wallet.v1.charge', ChargeRequest.encode(chargeRequest(phone, 10n, { settlesTap: true })).finish(), {
        deadlineMs,
        headers,
      }),
    ),
    'permission_denied:SCOPE_MISSING',
    'settling a tap needs settle: as for authorize',
  );
  assert.deepEqual(await account('resident', phone.residentId), { balance: 750n, held: 0n });
});

test('combined charge - many concurrent charges of one account never overdraw it, through the wallet or straight at the database', async () => {
  const phone = await residentWith(1_000n);
  // Through the wallet (gRPC and NATS together): 30 charges of 100 for a balance of 1,000.
  const headers = { Authorization: `Bearer ${shop.token}` };
  const outcomes = await Promise.all(
    Array.from({ length: 30 }, (_, index) =>
      index % 2 === 0
        ? outcomeOf(shop.wallet.charge(chargeRequest(phone, 100n)))
        : outcomeOf(
            request(nc, 'wallet.v1.charge', ChargeRequest.encode(chargeRequest(phone, 100n)).finish(), {
              deadlineMs: Date.now() + 10_000,
              headers,
            }),
          ),
    ),
  );
  assert.equal(outcomes.filter((outcome) => outcome === 'OK').length, 10);
  assert.deepEqual(
    new Set(outcomes.filter((outcome) => outcome !== 'OK')),
    new Set(['failed_precondition:INSUFFICIENT_FUNDS']),
  );
  assert.deepEqual(await account('resident', phone.residentId), { balance: 0n, held: 0n });

  // Straight at the database, past the wallet's per-account queue: 24 one-statement charges on 8 connections.
  const other = await residentWith(1_000n);
  const pool = createPool(h.database.url, { max: 8 });
  try {
    const store = createWalletStore(pool);
    const { rows } = await h.db.query<{ id: string }>(
      "SELECT id FROM accounts WHERE kind = 'resident' AND owner = $1",
      [other.residentId],
    );
    assert.ok(rows[0]);
    const direct = await Promise.all(
      Array.from({ length: 24 }, (_, index) => outcomeOf(directCharge(store, other, 150n, index))),
    );
    assert.equal(direct.filter((outcome) => outcome === 'OK').length, 6, direct.join(', '));
    assert.ok(direct.every((outcome) => outcome === 'OK' || outcome === 'failed_precondition:INSUFFICIENT_FUNDS'));
  } finally {
    await pool.end();
  }
  assert.deepEqual(await account('resident', other.residentId), { balance: 100n, held: 0n });
  const posted = await h.db.query<{ total: string; count: string }>(
    `SELECT sum(t.amount_minor) AS total, count(*) AS count FROM transfers t JOIN holds h ON h.id = t.hold_id
      WHERE h.resident_id = $1::uuid AND t.kind = 'capture'`,
    [other.residentId],
  );
  assert.deepEqual(posted.rows[0], { total: '900', count: '6' });
  await books();
});

/** One charge as the wallet's charge command writes it, without the command's per-account queue in front. */
function directCharge(
  store: ReturnType<typeof createWalletStore>,
  phone: Phone,
  amountMinor: bigint,
  index: number,
): Promise<Buffer> {
  const createdAt = new Date();
  const hold: Hold = {
    holdId: randomUUID(),
    service: 'shop',
    residentId: phone.residentId,
    credentialId: `direct-${phone.residentId}`,
    amount: eur(amountMinor),
    capturedMinor: amountMinor,
    refundedMinor: 0n,
    status: 'captured',
    reference: `direct-${index}`,
    createdAt,
    expiresAt: createdAt,
    payee: 'shop',
    payer: '',
    payerAmountMinor: 0n,
    payerCapturedMinor: 0n,
    payerRefundedMinor: 0n,
  };
  const transferId = randomUUID();
  return store.oneStatement.charge(
    {
      operation: 'shop:authorize',
      key: key(),
      requestDigest: requestDigest(new Uint8Array([index])),
      response: ChargeResponse.encode({ hold, transferId, payerTransferId: '' }).finish(),
      event: holdChanged('holdAuthorized', {
        hold,
        transferId: '',
        amountMinor,
        payerTransferId: '',
        payerAmountMinor: 0n,
      }),
      capturedEvent: holdChanged('holdCaptured', {
        hold,
        transferId,
        amountMinor,
        payerTransferId: '',
        payerAmountMinor: 0n,
      }),
    },
    {
      holdId: hold.holdId,
      service: 'shop',
      residentId: phone.residentId,
      credentialId: hold.credentialId,
      mandateNonce: `direct-${hold.holdId}`,
      amount: { amountMinor: minorUnits(amountMinor), currency: 'EUR' },
      reference: hold.reference,
      createdAt,
      risk: {
        authorizationsPerMinute: 100_000,
        dailyLimitMinor: 100_000_000n,
        credentialDailyLimitMinor: 100_000_000n,
      },
      payee: undefined,
      payerShare: undefined,
      transferId,
      payerTransferId: randomUUID(),
    },
  );
}

test('combined charge - a charge is refunded like a captured hold, in pieces, never past what it took', async () => {
  const phone = await residentWith(2_000n);
  const { hold } = await shop.wallet.charge(chargeRequest(phone, 900n));
  const holdId = hold?.holdId ?? '';
  await shop.wallet.refund({ idempotencyKey: key(), holdId, amountMinor: 400n, reason: 'one item back' });
  const refunded = await shop.wallet.refund({ idempotencyKey: key(), holdId, amountMinor: 500n, reason: 'the rest' });
  assert.deepEqual([refunded.hold?.status, refunded.hold?.refundedMinor], ['captured', 900n]);
  assert.equal(
    await outcomeOf(shop.wallet.refund({ idempotencyKey: key(), holdId, amountMinor: 1n, reason: '' })),
    'failed_precondition:REFUND_EXCEEDS_CAPTURED',
  );
  assert.equal(
    await outcomeOf(shop.wallet.void({ idempotencyKey: key(), holdId })),
    'failed_precondition:HOLD_NOT_PENDING',
    'nothing of a charge is left to void',
  );
  assert.deepEqual(await account('resident', phone.residentId), { balance: 2_000n, held: 0n });
  await books();
});

test("combined charge - split: the patient's share and the payer's share post to the clinic together, or neither does", async () => {
  const phone = await residentWith(3_000n);
  const before = { payer: await account('payer', insurerName), clinic: await account('merchant', clinicName) };
  const split = (payerMinor: bigint): ChargeRequest => ({
    idempotencyKey: key(),
    amount: eur(800n),
    presentation: phone.present(clinicName),
    reference: `bill-${key()}`,
    settlesTap: false,
    payee: clinicName,
    payerShare: { payer: insurerName, amountMinor: payerMinor },
  });
  // The insurer has no money yet: the payer's leg is refused and the patient's does not post either.
  assert.equal(await outcomeOf(billing.wallet.charge(split(1_500n))), 'failed_precondition:PAYER_INSUFFICIENT_FUNDS');
  assert.deepEqual(await account('resident', phone.residentId), { balance: 3_000n, held: 0n });
  await (await h.service('bank', ['topup:bank'])).wallet.topUp({
    idempotencyKey: key(),
    residentId: '',
    payer: insurerName,
    amount: eur(10_000n),
    fundingReference: `insurer-${key()}`,
  });
  const { hold, transferId, payerTransferId } = await billing.wallet.charge(split(1_500n));
  assert.deepEqual(
    [hold?.service, hold?.payee, hold?.payer, hold?.capturedMinor, hold?.payerCapturedMinor, hold?.status],
    ['health-billing', clinicName, insurerName, 800n, 1_500n, 'captured'],
  );
  assert.ok(transferId && payerTransferId);
  assert.deepEqual(await account('resident', phone.residentId), { balance: 2_200n, held: 0n });
  assert.deepEqual(await account('payer', insurerName), {
    balance: (before.payer?.balance ?? 0n) + 10_000n - 1_500n,
    held: 0n,
  });
  assert.deepEqual(await account('merchant', clinicName), {
    balance: (before.clinic?.balance ?? 0n) + 2_300n,
    held: 0n,
  });
  const refunded = await billing.wallet.refund({
    idempotencyKey: key(),
    holdId: hold?.holdId ?? '',
    amountMinor: 100n,
    payerAmountMinor: 200n,
    reason: 'line corrected',
  });
  assert.deepEqual([refunded.hold?.refundedMinor, refunded.hold?.payerRefundedMinor], [100n, 200n]);
  assert.equal(
    await outcomeOf(shop.wallet.charge({ ...split(10n), presentation: phone.present(clinicName) })),
    'permission_denied:SCOPE_MISSING',
    'a split charge needs adjudicate: as a split authorize does',
  );
  await books();
});
