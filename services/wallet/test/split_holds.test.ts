// Split holds and payer accounts (health billing) against real PostgreSQL, NATS and identity: health billing holds a
// patient's share and an insurer's share as one hold paid to the clinic, captures both legs together, voids or lets
// them expire together, refunds each leg within what it captured; the insurer's payer account is funded like a
// resident's and never overdrawn, whatever runs in parallel.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AuthorizeRequest,
  AuthorizeResponse,
  CaptureRequest,
  CaptureResponse,
  WalletServiceService,
} from '@citypass/proto/wallet/v1/wallet';
import { request } from '@citypass/platform/bus';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { reconciliationReport } from '../src/app/reconciliation_report.ts';
import { ledgerBooks } from '../src/store/reconciliation.ts';
import { expireDueHolds } from '../src/workers/hold_expiry.ts';
import { createWalletStore } from '../src/store/wallet_store.ts';
import { startWalletHarness, waitFor, type Phone, type ServiceClient, type WalletHarness } from './harness.ts';
import { outcomeOf } from '@citypass/platform/testing';

const insurerName = 'city-health-fund';
const clinicName = 'clinic-north';

let h: WalletHarness;
let billing: ServiceClient;
let clinic: ServiceClient;
let insurer: ServiceClient;
let bank: ServiceClient;
const clients: { close(): void }[] = [];
before(async () => {
  h = await startWalletHarness({
    WALLET_HOLD_SWEEP_MS: '50',
    WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: '100000',
    WALLET_RISK_DAILY_LIMIT_MINOR: '100000000',
    WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '100000000',
  });
  billing = await h.service('health-billing', ['adjudicate:health-billing', 'refund:health-billing']);
  clinic = await h.service(clinicName, [`read:${clinicName}`]);
  insurer = await h.service(insurerName, [`insure:${insurerName}`, `read:${insurerName}`]);
  bank = await h.service('bank', ['topup:bank']);
  await waitFor(async () => (await account('payer', insurerName)) !== undefined, 'payer account');
});
after(async () => {
  for (const client of clients) client.close();
  await h.stop();
});

const key = (): string => randomBytes(12).toString('hex');
const eur = (amountMinor: bigint): { amountMinor: bigint; currency: string } => ({ amountMinor, currency: 'EUR' });

async function account(kind: string, owner: string): Promise<{ balance: bigint; held: bigint } | undefined> {
  const row = (
    await h.db.query<{ balance_minor: string; held_minor: string }>(
      "SELECT balance_minor, held_minor FROM accounts WHERE kind = $1 AND owner = $2 AND currency = 'EUR'",
      [kind, owner],
    )
  ).rows[0];
  return row === undefined ? undefined : { balance: BigInt(row.balance_minor), held: BigInt(row.held_minor) };
}

const resident = async (phone: Phone): Promise<{ balance: bigint; held: bigint } | undefined> =>
  account('resident', phone.residentId);

async function fundInsurer(amountMinor: bigint, payer = insurerName): Promise<void> {
  await bank.wallet.topUp({
    idempotencyKey: key(),
    residentId: '',
    payer,
    amount: eur(amountMinor),
    fundingReference: `insurer-${key()}`,
  });
}

async function residentWith(amountMinor: bigint): Promise<Phone> {
  const phone = await h.resident();
  await h.topUp(phone, amountMinor);
  return phone;
}

/** A clinic bill as health billing sends it: the patient's mandate addressed to the clinic, the insurer's share. */
const splitRequest = (
  phone: Phone,
  residentMinor: bigint,
  payerMinor: bigint,
  overrides: Partial<AuthorizeRequest> = {},
): AuthorizeRequest => ({
  idempotencyKey: key(),
  amount: eur(residentMinor),
  presentation: phone.present(clinicName),
  reference: `bill-${key()}`,
  holdTtlSeconds: 0,
  settlesTap: false,
  payee: clinicName,
  payerShare: { payer: insurerName, amountMinor: payerMinor },
  ...overrides,
});

async function books(): Promise<void> {
  const report = await reconciliationReport(ledgerBooks(h.db));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));
}

/** health-billing with a token for only these scopes. */
async function billingWith(scope: string): Promise<PromiseClient<typeof WalletServiceService>> {
  const response = await h.identity.clientCredentialsToken(
    billing.name,
    billing.clientSecret,
    'urn:citypass:wallet',
    scope,
  );
  assert.equal(response.status, 200);
  const token = ((await response.json()) as { access_token: string }).access_token;
  const client = promiseClient(WalletServiceService, h.address, { metadata: () => bearer(token) });
  clients.push(client);
  return client;
}

test('split holds - authorized, then captured in both legs: two transfers to the clinic, every balance exact, books clean', async () => {
  await fundInsurer(100_000n);
  const payerBefore = await account('payer', insurerName);
  const clinicBefore = await account('merchant', clinicName);
  const phone = await residentWith(5_000n);

  const { hold } = await billing.wallet.authorize(splitRequest(phone, 300n, 700n));
  assert.ok(hold);
  assert.deepEqual(
    [hold.service, hold.payee, hold.payer, hold.amount?.amountMinor, hold.payerAmountMinor, hold.status],
    ['health-billing', clinicName, insurerName, 300n, 700n, 'pending'],
  );
  assert.deepEqual(await resident(phone), { balance: 5_000n, held: 300n });
  assert.deepEqual(await account('payer', insurerName), {
    balance: payerBefore?.balance ?? 0n,
    held: (payerBefore?.held ?? 0n) + 700n,
  });

  const captured = await billing.wallet.capture({
    idempotencyKey: key(),
    holdId: hold.holdId,
    amountMinor: 250n,
    payerAmountMinor: 600n,
  });
  assert.deepEqual(
    [captured.hold?.status, captured.hold?.capturedMinor, captured.hold?.payerCapturedMinor],
    ['captured', 250n, 600n],
  );
  assert.ok(captured.transferId !== '' && captured.payerTransferId !== '');
  const transfers = await h.db.query<{ id: string; debit: string; credit: string; amount_minor: string }>(
    `SELECT t.id, d.kind || ':' || d.owner AS debit, c.kind || ':' || c.owner AS credit, t.amount_minor
     FROM transfers t JOIN accounts d ON d.id = t.debit_account_id JOIN accounts c ON c.id = t.credit_account_id
     WHERE t.hold_id = $1 ORDER BY t.amount_minor`,
    [hold.holdId],
  );
  assert.deepEqual(
    transfers.rows.map((row) => [row.id, row.debit, row.credit, row.amount_minor]),
    [
      [captured.transferId, `resident:${phone.residentId}`, `merchant:${clinicName}`, '250'],
      [captured.payerTransferId, `payer:${insurerName}`, `merchant:${clinicName}`, '600'],
    ],
  );
  assert.deepEqual(await resident(phone), { balance: 4_750n, held: 0n }, 'the uncaptured 50 is released');
  assert.deepEqual(await account('payer', insurerName), {
    balance: (payerBefore?.balance ?? 0n) - 600n,
    held: payerBefore?.held ?? 0n,
  });
  assert.deepEqual(await account('merchant', clinicName), {
    balance: (clinicBefore?.balance ?? 0n) + 850n,
    held: 0n,
  });
  assert.deepEqual(await account('merchant', 'health-billing'), { balance: 0n, held: 0n }, 'the caller is not paid');

  // The resident sees their own leg, paid to the clinic; the clinic's report counts both legs.
  const metadata = bearer('unused');
  metadata.set('citypass-presentation', phone.present('wallet'));
  const statement = await clinic.wallet.listStatement(
    { residentId: '', currency: 'EUR', pageSize: 10, pageToken: '' },
    { metadata },
  );
  assert.deepEqual(
    statement.lines.map((line) => [line.kind, line.amountMinor, line.counterparty, line.holdId]),
    [
      ['capture', -250n, clinicName, hold.holdId],
      ['top_up', 5_000n, '', ''],
    ],
  );
  const report = await clinic.wallet.getSettlementReport({
    date: new Date().toISOString().slice(0, 10),
    currency: 'EUR',
  });
  assert.ok(report.capturedMinor >= 850n && report.captures >= 2, `${report.capturedMinor} in ${report.captures}`);
  await books();
});

test('split holds - the reconciliation catches a payer reservation or a payer leg that its rows do not explain', async () => {
  await fundInsurer(1_000n);
  const phone = await residentWith(1_000n);
  const captured = await billing.wallet.authorize(splitRequest(phone, 100n, 300n));
  await billing.wallet.capture({
    idempotencyKey: key(),
    holdId: captured.hold?.holdId ?? '',
    amountMinor: 100n,
    payerAmountMinor: 300n,
  });
  await billing.wallet.authorize(splitRequest(phone, 100n, 200n));
  const scratch = await h.db.connect();
  try {
    // Forged inside a transaction that is rolled back: the books themselves stay intact for other tests.
    await scratch.query('BEGIN');
    await scratch.query("UPDATE accounts SET held_minor = held_minor - 1 WHERE kind = 'payer' AND owner = $1", [
      insurerName,
    ]);
    await scratch.query('UPDATE holds SET payer_captured_minor = payer_captured_minor - 1 WHERE id = $1', [
      captured.hold?.holdId,
    ]);
    const report = await reconciliationReport(ledgerBooks(scratch));
    const broken = report.checks.filter((check) => check.breaks > 0).map((check) => check.name);
    assert.deepEqual(broken, [
      'each reserved amount equals its pending holds',
      'each hold matches its capture and refund transfers, leg by leg',
    ]);
  } finally {
    await scratch.query('ROLLBACK');
    scratch.release();
  }
  await books();
});

test('split holds - a fully covered visit: the resident pays 0, the capture posts the payer leg only', async () => {
  await fundInsurer(10_000n);
  const phone = await residentWith(100n);
  // A cap of 0 set by the phone covers the resident's amount of 0: the payer's share is not the resident's to approve.
  const { hold } = await billing.wallet.authorize(
    splitRequest(phone, 0n, 900n, { presentation: phone.present(clinicName, eur(0n)) }),
  );
  assert.deepEqual(await resident(phone), { balance: 100n, held: 0n });
  const captured = await billing.wallet.capture({
    idempotencyKey: key(),
    holdId: hold?.holdId ?? '',
    amountMinor: 0n,
    payerAmountMinor: 900n,
  });
  assert.equal(captured.transferId, '');
  assert.notEqual(captured.payerTransferId, '');
  const legs = await h.db.query('SELECT 1 FROM transfers WHERE hold_id = $1', [hold?.holdId]);
  assert.equal(legs.rowCount, 1);
  assert.deepEqual(await resident(phone), { balance: 100n, held: 0n });
  await books();
});

test('split holds - void and expiry release both legs', async () => {
  await fundInsurer(10_000n);
  const payerBefore = await account('payer', insurerName);
  const phone = await residentWith(1_000n);
  const voided = await billing.wallet.authorize(splitRequest(phone, 200n, 800n));
  const short = await billing.wallet.authorize(splitRequest(phone, 100n, 400n, { holdTtlSeconds: 1 }));
  assert.deepEqual(await resident(phone), { balance: 1_000n, held: 300n });
  assert.equal((await account('payer', insurerName))?.held, (payerBefore?.held ?? 0n) + 1_200n);

  const afterVoid = await billing.wallet.void({ idempotencyKey: key(), holdId: voided.hold?.holdId ?? '' });
  assert.equal(afterVoid.hold?.status, 'voided');
  assert.deepEqual(await resident(phone), { balance: 1_000n, held: 100n });
  assert.equal((await account('payer', insurerName))?.held, (payerBefore?.held ?? 0n) + 400n);

  await waitFor(
    async () => (await billing.wallet.getHold({ holdId: short.hold?.holdId ?? '' })).hold?.status === 'expired',
    'hold expiry',
  );
  assert.deepEqual(await resident(phone), { balance: 1_000n, held: 0n });
  assert.deepEqual(await account('payer', insurerName), payerBefore);
  assert.equal(
    await outcomeOf(
      billing.wallet.capture({
        idempotencyKey: key(),
        holdId: short.hold?.holdId ?? '',
        amountMinor: 100n,
        payerAmountMinor: 400n,
      }),
    ),
    'failed_precondition:HOLD_NOT_PENDING',
  );
  await books();
});

test('split holds - refunds return each leg within what it captured; beyond a leg is refused and changes nothing', async () => {
  await fundInsurer(10_000n);
  const phone = await residentWith(1_000n);
  const { hold } = await billing.wallet.authorize(splitRequest(phone, 300n, 700n));
  const holdId = hold?.holdId ?? '';
  await billing.wallet.capture({ idempotencyKey: key(), holdId, amountMinor: 300n, payerAmountMinor: 500n });
  const payerAfterCapture = await account('payer', insurerName);
  const clinicAfterCapture = await account('merchant', clinicName);

  const payerOnly = await billing.wallet.refund({
    idempotencyKey: key(),
    holdId,
    amountMinor: 0n,
    payerAmountMinor: 200n,
    reason: 'line 2 not covered after all',
  });
  assert.equal(payerOnly.transferId, '');
  assert.notEqual(payerOnly.payerTransferId, '');
  const both = await billing.wallet.refund({
    idempotencyKey: key(),
    holdId,
    amountMinor: 100n,
    payerAmountMinor: 300n,
    reason: 'line 3 cancelled',
  });
  assert.deepEqual(
    [both.hold?.refundedMinor, both.hold?.payerRefundedMinor],
    [100n, 500n],
    'the payer leg is refunded in full',
  );

  const snapshot = async (): Promise<unknown> => [
    await resident(phone),
    await account('payer', insurerName),
    await account('merchant', clinicName),
    (await h.db.query('SELECT count(*) FROM transfers WHERE hold_id = $1', [holdId])).rows[0],
  ];
  const before = await snapshot();
  const refund = (amountMinor: bigint, payerAmountMinor: bigint): Promise<string> =>
    outcomeOf(billing.wallet.refund({ idempotencyKey: key(), holdId, amountMinor, payerAmountMinor, reason: '' }));
  assert.equal(await refund(0n, 1n), 'failed_precondition:REFUND_EXCEEDS_CAPTURED', 'the payer leg is used up');
  assert.equal(await refund(1n, 1n), 'failed_precondition:REFUND_EXCEEDS_CAPTURED', 'both or neither');
  assert.equal(await refund(201n, 0n), 'failed_precondition:REFUND_EXCEEDS_CAPTURED', 'the resident leg has 200 left');
  assert.equal(await refund(0n, 0n), 'invalid_argument:AMOUNT_NOT_POSITIVE');
  assert.equal(await refund(-1n, 5n), 'invalid_argument:AMOUNT_NOT_POSITIVE');
  assert.deepEqual(await snapshot(), before, 'refused refunds change nothing');

  assert.deepEqual(await resident(phone), { balance: 800n, held: 0n });
  assert.deepEqual(await account('payer', insurerName), {
    balance: (payerAfterCapture?.balance ?? 0n) + 500n,
    held: payerAfterCapture?.held ?? 0n,
  });
  assert.equal((await account('merchant', clinicName))?.balance, (clinicAfterCapture?.balance ?? 0n) - 600n);
  await books();
});

test('split holds - refusals: scope, mandate audience, payee, payer, funds on either side; none writes anything', async () => {
  await fundInsurer(1_000n);
  const phone = await residentWith(1_000n);
  const holdCount = async (): Promise<number> =>
    Number((await h.db.query<{ count: string }>('SELECT count(*) FROM holds')).rows[0]?.count);
  const before = await holdCount();
  const available = (await account('payer', insurerName)) ?? { balance: 0n, held: 0n };
  const payerAvailable = available.balance - available.held;
  const chargeOnly = await billingWith('charge:health-billing');
  const cases: [string, () => Promise<unknown>, string][] = [
    [
      'payer share without adjudicate',
      () => chargeOnly.authorize(splitRequest(phone, 100n, 100n, { payee: undefined })),
      'permission_denied:SCOPE_MISSING',
    ],
    [
      'payee without adjudicate',
      () => chargeOnly.authorize(splitRequest(phone, 100n, 0n, { payerShare: undefined })),
      'permission_denied:SCOPE_MISSING',
    ],
    [
      'mandate addressed to the caller instead of the payee',
      () =>
        billing.wallet.authorize(splitRequest(phone, 100n, 100n, { presentation: phone.present('health-billing') })),
      'permission_denied:AUDIENCE_MISMATCH',
    ],
    [
      'payee is the caller',
      () => billing.wallet.authorize(splitRequest(phone, 100n, 100n, { payee: 'health-billing' })),
      'invalid_argument:PAYEE_INVALID',
    ],
    [
      'payee not onboarded',
      () =>
        billing.wallet.authorize(
          splitRequest(phone, 100n, 100n, { payee: 'clinic-nowhere', presentation: phone.present('clinic-nowhere') }),
        ),
      'failed_precondition:MERCHANT_ACCOUNT_NOT_FOUND',
    ],
    [
      'payer without a payer account',
      () =>
        billing.wallet.authorize(
          splitRequest(phone, 100n, 100n, { payerShare: { payer: clinicName, amountMinor: 100n } }),
        ),
      'failed_precondition:PAYER_ACCOUNT_NOT_FOUND',
    ],
    [
      'payer without the funds',
      () => billing.wallet.authorize(splitRequest(phone, 100n, payerAvailable + 1n)),
      'failed_precondition:PAYER_INSUFFICIENT_FUNDS',
    ],
    [
      'resident without the funds',
      () => billing.wallet.authorize(splitRequest(phone, 1_001n, 100n)),
      'failed_precondition:INSUFFICIENT_FUNDS',
    ],
    [
      "cap covers the resident's amount, not the payer's",
      () =>
        billing.wallet.authorize(
          splitRequest(phone, 101n, 100n, { presentation: phone.present(clinicName, eur(100n)) }),
        ),
      'permission_denied:MANDATE_CAP_EXCEEDED',
    ],
    [
      'empty payer',
      () => billing.wallet.authorize(splitRequest(phone, 100n, 100n, { payerShare: { payer: '', amountMinor: 100n } })),
      'invalid_argument:PAYER_INVALID',
    ],
    [
      'payer over 64 characters',
      () =>
        billing.wallet.authorize(
          splitRequest(phone, 100n, 100n, { payerShare: { payer: 'p'.repeat(65), amountMinor: 1n } }),
        ),
      'invalid_argument:PAYER_INVALID',
    ],
    [
      'payer share of 0',
      () => billing.wallet.authorize(splitRequest(phone, 100n, 0n)),
      'invalid_argument:AMOUNT_NOT_POSITIVE',
    ],
    [
      'negative resident amount',
      () => billing.wallet.authorize(splitRequest(phone, -1n, 100n)),
      'invalid_argument:AMOUNT_NOT_POSITIVE',
    ],
    [
      'resident 0 without a payer share',
      () => billing.wallet.authorize(splitRequest(phone, 0n, 0n, { payerShare: undefined })),
      'invalid_argument:AMOUNT_NOT_POSITIVE',
    ],
  ];
  for (const [what, call, expected] of cases) assert.equal(await outcomeOf(call()), expected, what);
  assert.equal(await holdCount(), before);
  assert.deepEqual(await resident(phone), { balance: 1_000n, held: 0n });
  assert.deepEqual(await account('payer', insurerName), available);

  // Moving the payer's leg of a split hold needs adjudicate too; releasing it does not.
  const { hold } = await billing.wallet.authorize(splitRequest(phone, 100n, 100n));
  const holdId = hold?.holdId ?? '';
  assert.equal(
    await outcomeOf(chargeOnly.capture({ idempotencyKey: key(), holdId, amountMinor: 100n, payerAmountMinor: 100n })),
    'permission_denied:SCOPE_MISSING',
  );
  assert.equal(
    await outcomeOf(
      billing.wallet.capture({ idempotencyKey: key(), holdId, amountMinor: 100n, payerAmountMinor: 101n }),
    ),
    'invalid_argument:CAPTURE_EXCEEDS_HOLD',
  );
  const released = await chargeOnly.capture({ idempotencyKey: key(), holdId, amountMinor: 100n });
  assert.deepEqual([released.hold?.capturedMinor, released.hold?.payerCapturedMinor], [100n, 0n]);
  assert.deepEqual(await account('payer', insurerName), available, 'the payer leg was released whole');
  await books();
});

test('split holds - idempotency: the same key and request answer the same, another payer share is refused', async () => {
  await fundInsurer(1_000n);
  const phone = await residentWith(1_000n);
  const request = splitRequest(phone, 100n, 200n);
  const first = await billing.wallet.authorize(request);
  assert.deepEqual(await billing.wallet.authorize(request), first);
  for (const other of [
    { ...request, payerShare: { payer: insurerName, amountMinor: 201n } },
    { ...request, payerShare: undefined },
    { ...request, amount: eur(101n) },
  ]) {
    assert.equal(await outcomeOf(billing.wallet.authorize(other)), 'already_exists:IDEMPOTENCY_KEY_REUSED');
  }
  const capture = {
    idempotencyKey: key(),
    holdId: first.hold?.holdId ?? '',
    amountMinor: 100n,
    payerAmountMinor: 200n,
  };
  const captured = await billing.wallet.capture(capture);
  assert.deepEqual(await billing.wallet.capture(capture), captured);
  assert.equal(
    await outcomeOf(billing.wallet.capture({ ...capture, payerAmountMinor: 199n })),
    'already_exists:IDEMPOTENCY_KEY_REUSED',
  );
  const held = await h.db.query('SELECT 1 FROM holds WHERE resident_id = $1', [phone.residentId]);
  assert.equal(held.rowCount, 1);
});

test('payer accounts - funded like a resident, read only by the payer itself', async () => {
  const reference = `transfer-${key()}`;
  const topUp = (overrides: Record<string, unknown>): Promise<string> =>
    outcomeOf(
      bank.wallet.topUp({
        idempotencyKey: key(),
        residentId: '',
        payer: insurerName,
        amount: eur(5_000n),
        fundingReference: reference,
        ...overrides,
      }),
    );
  const phone = await h.resident();
  const before = await account('payer', insurerName);
  assert.equal(await topUp({ residentId: phone.residentId }), 'invalid_argument:TOP_UP_TARGET_INVALID');
  assert.equal(await topUp({ payer: undefined }), 'invalid_argument:TOP_UP_TARGET_INVALID');
  assert.equal(await topUp({ payer: clinicName }), 'failed_precondition:PAYER_ACCOUNT_NOT_FOUND');
  assert.equal(await topUp({ payer: 'x'.repeat(65) }), 'invalid_argument:PAYER_INVALID');
  assert.equal(await topUp({}), 'OK');
  assert.equal(await topUp({}), 'already_exists:FUNDING_REFERENCE_USED');
  assert.equal(
    await topUp({ payer: undefined, residentId: phone.residentId }),
    'already_exists:FUNDING_REFERENCE_USED',
  );
  assert.deepEqual(await account('payer', insurerName), {
    balance: (before?.balance ?? 0n) + 5_000n,
    held: before?.held ?? 0n,
  });
  const event = await h.db.query<{ subject: string }>(
    "SELECT subject FROM outbox WHERE subject LIKE 'wallet.v1.events.%topped_up' ORDER BY created_at DESC LIMIT 1",
  );
  assert.equal(event.rows[0]?.subject, 'wallet.v1.events.payer.topped_up', "not on residents' top-up subject");

  const read = { residentId: '', currency: '', payer: insurerName };
  const balance = await insurer.wallet.getBalance(read);
  const now = await account('payer', insurerName);
  assert.deepEqual(balance, {
    balance: eur(now?.balance ?? 0n),
    available: eur((now?.balance ?? 0n) - (now?.held ?? 0n)),
  });
  assert.equal(await outcomeOf(clinic.wallet.getBalance(read)), 'permission_denied:SCOPE_MISSING');
  assert.equal(await outcomeOf(billing.wallet.getBalance(read)), 'permission_denied:SCOPE_MISSING', 'no read: scope');
  assert.equal(
    await outcomeOf(clinic.wallet.getBalance({ ...read, payer: clinicName })),
    'failed_precondition:PAYER_ACCOUNT_NOT_FOUND',
  );
  assert.equal(
    await outcomeOf(insurer.wallet.getBalance(read, { metadata: bearer('') })),
    'unauthenticated:TOKEN_MISSING',
  );
  assert.equal(
    await outcomeOf(insurer.wallet.getBalance({ ...read, currency: 'USD' })),
    'invalid_argument:CURRENCY_UNSUPPORTED',
  );
});

test('split holds - over NATS with the same rules and field limits as gRPC', async () => {
  await fundInsurer(1_000n);
  const phone = await residentWith(1_000n);
  const nc: NatsConnection = await connect({ servers: h.identity.nats.url });
  try {
    const send = (subject: string, payload: Uint8Array): Promise<Uint8Array> =>
      request(nc, subject, payload, {
        deadlineMs: Date.now() + 5_000,
        headers: { Authorization: `Bearer ${billing.token}` },
      });
    const authorized = AuthorizeResponse.decode(
      await send('wallet.v1.authorize', AuthorizeRequest.encode(splitRequest(phone, 100n, 300n)).finish()),
    );
    assert.deepEqual([authorized.hold?.payee, authorized.hold?.payerAmountMinor], [clinicName, 300n]);
    const captured = CaptureResponse.decode(
      await send(
        'wallet.v1.capture',
        CaptureRequest.encode({
          idempotencyKey: key(),
          holdId: authorized.hold?.holdId ?? '',
          amountMinor: 100n,
          payerAmountMinor: 300n,
        }).finish(),
      ),
    );
    assert.deepEqual([captured.hold?.status, captured.hold?.payerCapturedMinor], ['captured', 300n]);
    const refusedAt = async (overrides: Partial<AuthorizeRequest>): Promise<string> =>
      outcomeOf(
        send('wallet.v1.authorize', AuthorizeRequest.encode(splitRequest(phone, 100n, 300n, overrides)).finish()),
      );
    assert.equal(
      await refusedAt({ payerShare: { payer: 'p'.repeat(1_025), amountMinor: 1n } }),
      'invalid_argument:FIELD_TOO_LONG',
    );
    assert.equal(await refusedAt({ payee: 'c'.repeat(1_025) }), 'invalid_argument:FIELD_TOO_LONG');
    assert.equal(await refusedAt({ payee: 'c'.repeat(65) }), 'invalid_argument:PAYEE_INVALID');
  } finally {
    await nc.close();
  }
  await books();
});

test('split holds - many residents against one payer in parallel never overdraw it; the database refuses a direct overdraw; the books balance', async () => {
  // An insurer of its own, so the amounts are exact whatever earlier tests left.
  const fund = 'metro-health-fund';
  await h.service(fund, [`insure:${fund}`]);
  await waitFor(async () => (await account('payer', fund)) !== undefined, 'payer account');
  await fundInsurer(10_000n, fund);
  const share = (amountMinor: bigint): { payerShare: { payer: string; amountMinor: bigint } } => ({
    payerShare: { payer: fund, amountMinor },
  });
  const phones = await Promise.all(Array.from({ length: 12 }, () => residentWith(10_000n)));
  // 36 shares of 700 against 10,000 from 12 residents at once: 14 fit (9,800), whatever the order.
  const outcomes = await Promise.all(
    phones.flatMap((phone) =>
      Array.from({ length: 3 }, () => outcomeOf(billing.wallet.authorize(splitRequest(phone, 50n, 700n, share(700n))))),
    ),
  );
  assert.equal(outcomes.filter((reason) => reason === 'OK').length, 14, JSON.stringify(outcomes));
  assert.deepEqual(
    [...new Set(outcomes.filter((reason) => reason !== 'OK'))],
    ['failed_precondition:PAYER_INSUFFICIENT_FUNDS'],
  );
  const payer = await account('payer', fund);
  assert.equal((payer?.balance ?? 0n) - (payer?.held ?? 0n), 200n);

  // Then, all at once on the same payer row: half the holds captured (part of each leg), half voided, new short
  // holds authorized as funds come free, and expiry sweeps besides the wallet's own.
  const pending = await h.db.query<{ id: string }>(
    "SELECT id FROM holds WHERE status = 'pending' AND payer = $1 ORDER BY id",
    [fund],
  );
  const store = createWalletStore(h.db);
  const closing = pending.rows.map((row, index) =>
    index % 2 === 0
      ? billing.wallet.capture({ idempotencyKey: key(), holdId: row.id, amountMinor: 40n, payerAmountMinor: 650n })
      : billing.wallet.void({ idempotencyKey: key(), holdId: row.id }),
  );
  const short = phones.map((phone) =>
    outcomeOf(billing.wallet.authorize(splitRequest(phone, 20n, 300n, { ...share(300n), holdTtlSeconds: 1 }))),
  );
  const sweeps = Array.from({ length: 4 }, () => expireDueHolds(store));
  await Promise.all([...closing, ...sweeps]);
  const shortOutcomes = await Promise.all(short);
  assert.ok(
    shortOutcomes.every((reason) => reason === 'OK' || reason === 'failed_precondition:PAYER_INSUFFICIENT_FUNDS'),
    JSON.stringify(shortOutcomes),
  );
  // As the short holds come due, sweeps (each locks its batch's residents, then the payer) run while the same
  // residents authorize against the same payer (each locks its resident, then the payer): with one lock order for
  // both, every call ends approved or declined for funds, and every sweep ends.
  const due = await h.db.query<{ ms: string }>(
    "SELECT extract(epoch FROM min(expires_at) - now()) * 1000 AS ms FROM holds WHERE status = 'pending' AND payer = $1",
    [fund],
  );
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(due.rows[0]?.ms ?? 0) - 100)));
  const sweeping = async (): Promise<string> => {
    let released = 0;
    for (let round = 0; round < 15; round++) {
      released += await expireDueHolds(store);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return `swept ${released}`;
  };
  const racing = await Promise.all([
    ...phones.map(async (phone) => {
      const reasons: string[] = [];
      for (let round = 0; round < 3; round++)
        reasons.push(await outcomeOf(billing.wallet.authorize(splitRequest(phone, 10n, 100n, share(100n)))));
      return reasons.join(',');
    }),
    ...Array.from({ length: 3 }, sweeping),
  ]);
  assert.ok(
    racing.every((outcome) => /^((OK|failed_precondition:PAYER_INSUFFICIENT_FUNDS),?)+$|^swept \d+$/.test(outcome)),
    racing.join('; '),
  );
  const racers = await h.db.query<{ id: string }>(
    "SELECT id FROM holds WHERE status = 'pending' AND payer = $1 AND payer_amount_minor = 100",
    [fund],
  );
  assert.ok((racers.rowCount ?? 0) >= phones.length, 'the payer had room for at least one each');
  await Promise.all(racers.rows.map((row) => billing.wallet.void({ idempotencyKey: key(), holdId: row.id })));
  await expireDueHolds(store);

  const stillPending = await h.db.query("SELECT 1 FROM holds WHERE status = 'pending' AND payer = $1", [fund]);
  assert.equal(stillPending.rowCount, 0);
  const captures = Math.ceil(pending.rows.length / 2);
  assert.deepEqual(await account('payer', fund), { balance: 10_000n - 650n * BigInt(captures), held: 0n });
  await books();
  const sums = await h.db.query<{ total: string }>(
    'SELECT sum(balance_minor) AS total FROM accounts GROUP BY currency',
  );
  assert.deepEqual(
    sums.rows.map((row) => row.total),
    sums.rows.map(() => '0'),
  );

  await assert.rejects(
    h.db.query("UPDATE accounts SET held_minor = balance_minor + 1 WHERE kind = 'payer' AND owner = $1", [fund]),
    /payer_funds_never_negative/,
  );
  await assert.rejects(
    h.db.query("UPDATE accounts SET balance_minor = held_minor - 1 WHERE kind = 'payer' AND owner = $1", [fund]),
    /payer_funds_never_negative/,
  );
  await assert.rejects(
    h.db.query("UPDATE accounts SET held_minor = 1 WHERE kind = 'merchant' AND owner = $1", [clinicName]),
    /only_residents_and_payers_have_holds/,
  );
  await assert.rejects(
    h.db.query(
      "UPDATE holds SET payer_captured_minor = payer_amount_minor + 1 WHERE status = 'captured' AND payer = $1",
      [fund],
    ),
    /holds_payer_captured_within_leg/,
  );
});
