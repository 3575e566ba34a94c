// The charge lifecycle over gRPC against real PostgreSQL, NATS and identity: top-up, authorize against a
// mandate, capture part, refund in pieces, void, expiry; and every kind of bad input changing nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { AuthorizeRequest } from '@citypass/proto/wallet/v1/wallet';
import { createPresentation } from '@citypass/credential';
import { DomainError } from '@citypass/platform/errors';
import { bearer } from '@citypass/platform/grpc';
import { startWalletHarness, waitFor, type Phone, type ServiceClient, type WalletHarness } from './harness.ts';

let h: WalletHarness;
let parking: ServiceClient;
before(async () => {
  h = await startWalletHarness({ WALLET_HOLD_SWEEP_MS: '50' });
  parking = await h.service('parking', ['refund:parking']);
});
after(async () => {
  await h.stop();
});

const key = (): string => randomBytes(12).toString('hex');
const eur = (amountMinor: bigint): { amountMinor: bigint; currency: string } => ({ amountMinor, currency: 'EUR' });
const authorizeRequest = (
  phone: Phone,
  amountMinor: bigint,
  overrides: Partial<AuthorizeRequest> = {},
): AuthorizeRequest => ({
  idempotencyKey: key(),
  amount: eur(amountMinor),
  presentation: phone.present('parking'),
  reference: 'session-1',
  holdTtlSeconds: 0,
  settlesTap: false,
  ...overrides,
});

async function rejection(promise: Promise<unknown>): Promise<{ kind: string; reason: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
    return { kind: error.kind, reason: error.reason };
  }
  assert.fail('expected a rejection');
}

async function balances(phone: Phone): Promise<{ balance: bigint; held: bigint }> {
  const row = (
    await h.db.query<{ balance_minor: string; held_minor: string }>(
      "SELECT balance_minor, held_minor FROM accounts WHERE kind = 'resident' AND owner = $1",
      [phone.residentId],
    )
  ).rows[0];
  return { balance: BigInt(row?.balance_minor ?? 0), held: BigInt(row?.held_minor ?? 0) };
}

test('charges - authorize, capture part, refund twice up to the capture, and the statement shows it', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 5_000n);
  const { hold } = await parking.wallet.authorize(authorizeRequest(phone, 1_200n));
  assert.ok(hold);
  assert.equal(hold.status, 'pending');
  assert.deepEqual(await balances(phone), { balance: 5_000n, held: 1_200n });

  const captured = await parking.wallet.capture({ idempotencyKey: key(), holdId: hold.holdId, amountMinor: 1_000n });
  assert.equal(captured.hold?.status, 'captured');
  assert.equal(captured.hold.capturedMinor, 1_000n);
  assert.deepEqual(await balances(phone), { balance: 4_000n, held: 0n }, 'the uncaptured 200 is released');

  await parking.wallet.refund({
    idempotencyKey: key(),
    holdId: hold.holdId,
    amountMinor: 300n,
    reason: 'overstay forgiven',
  });
  const second = await parking.wallet.refund({
    idempotencyKey: key(),
    holdId: hold.holdId,
    amountMinor: 700n,
    reason: 'cancelled',
  });
  assert.equal(second.hold?.refundedMinor, 1_000n);
  assert.deepEqual(
    await rejection(parking.wallet.refund({ idempotencyKey: key(), holdId: hold.holdId, amountMinor: 1n, reason: '' })),
    { kind: 'failed_precondition', reason: 'REFUND_EXCEEDS_CAPTURED' },
  );
  assert.deepEqual(await balances(phone), { balance: 5_000n, held: 0n });

  const metadata = bearer('unused');
  metadata.set('citypass-presentation', phone.present('wallet'));
  const statement = await parking.wallet.listStatement(
    { residentId: '', currency: 'EUR', pageSize: 10, pageToken: '' },
    { metadata },
  );
  assert.deepEqual(
    statement.lines.map((line) => [line.kind, line.amountMinor, line.balanceAfterMinor]),
    [
      ['refund', 700n, 5_000n],
      ['refund', 300n, 4_300n],
      ['capture', -1_000n, 4_000n],
      ['top_up', 5_000n, 5_000n],
    ],
  );
  const report = await parking.wallet.getSettlementReport({
    date: new Date().toISOString().slice(0, 10),
    currency: 'EUR',
  });
  assert.ok(report.capturedMinor >= 1_000n && report.refundedMinor >= 1_000n);
});

test('charges - void releases the hold; an expired hold releases itself and cannot be captured', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const voided = await parking.wallet.authorize(authorizeRequest(phone, 400n));
  await parking.wallet.void({ idempotencyKey: key(), holdId: voided.hold?.holdId ?? '' });
  assert.deepEqual(await balances(phone), { balance: 1_000n, held: 0n });
  assert.deepEqual(await rejection(parking.wallet.void({ idempotencyKey: key(), holdId: voided.hold?.holdId ?? '' })), {
    kind: 'failed_precondition',
    reason: 'HOLD_NOT_PENDING',
  });

  const short = await parking.wallet.authorize(authorizeRequest(phone, 300n, { holdTtlSeconds: 1, settlesTap: false }));
  assert.deepEqual(await balances(phone), { balance: 1_000n, held: 300n });
  await waitFor(
    async () => (await parking.wallet.getHold({ holdId: short.hold?.holdId ?? '' })).hold?.status === 'expired',
    'hold expiry',
    5_000,
  );
  assert.deepEqual(await balances(phone), { balance: 1_000n, held: 0n });
  assert.deepEqual(
    await rejection(
      parking.wallet.capture({ idempotencyKey: key(), holdId: short.hold?.holdId ?? '', amountMinor: 300n }),
    ),
    { kind: 'failed_precondition', reason: 'HOLD_NOT_PENDING' },
  );
});

test('charges - idempotency: same key same answer byte for byte, same key other request refused', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const request = authorizeRequest(phone, 100n);
  const first = await parking.wallet.authorize(request);
  assert.deepEqual(await parking.wallet.authorize(request), first);
  assert.deepEqual(await rejection(parking.wallet.authorize({ ...request, amount: eur(101n) })), {
    kind: 'already_exists',
    reason: 'IDEMPOTENCY_KEY_REUSED',
  });
  const capture = { idempotencyKey: key(), holdId: first.hold?.holdId ?? '', amountMinor: 100n };
  const captured = await parking.wallet.capture(capture);
  assert.deepEqual(await parking.wallet.capture(capture), captured);
  assert.deepEqual(await balances(phone), { balance: 900n, held: 0n });
});

test('charges - bad amounts, currencies, ids, mandates and foreign holds are refused and write nothing', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const holdCount = async (): Promise<number> =>
    Number((await h.db.query<{ count: string }>('SELECT count(*) FROM holds')).rows[0]?.count);
  const before = await holdCount();
  const cases: [Partial<AuthorizeRequest>, string, string][] = [
    [{ amount: eur(0n) }, 'invalid_argument', 'AMOUNT_NOT_POSITIVE'],
    [{ amount: eur(-5n) }, 'invalid_argument', 'AMOUNT_NOT_POSITIVE'],
    [{ amount: eur(10n ** 15n) }, 'invalid_argument', 'AMOUNT_TOO_LARGE'],
    [{ amount: { amountMinor: 100n, currency: 'XXX' } }, 'invalid_argument', 'CURRENCY_UNSUPPORTED'],
    [{ amount: { amountMinor: 100n, currency: 'eu' } }, 'invalid_argument', 'CURRENCY_INVALID'],
    [{ idempotencyKey: 'short' }, 'invalid_argument', 'IDEMPOTENCY_KEY_INVALID'],
    [{ presentation: '' }, 'invalid_argument', 'MANDATE_MISSING'],
    [{ presentation: 'garbage' }, 'invalid_argument', 'MALFORMED_PRESENTATION'],
    [{ presentation: phone.present('bikes') }, 'permission_denied', 'AUDIENCE_MISMATCH'],
    [
      { presentation: phone.present('parking', { amountMinor: 50n, currency: 'EUR' }) },
      'permission_denied',
      'MANDATE_CAP_EXCEEDED',
    ],
    [{ amount: eur(5_000n) }, 'failed_precondition', 'INSUFFICIENT_FUNDS'],
    [{ holdTtlSeconds: 10 ** 8 }, 'invalid_argument', 'HOLD_TTL_TOO_LONG'],
    [{ reference: 'r'.repeat(129) }, 'invalid_argument', 'REFERENCE_INVALID'],
    [{ reference: 'a\u0000b' }, 'invalid_argument', 'REFERENCE_INVALID'],
  ];
  for (const [overrides, kind, reason] of cases) {
    assert.deepEqual(
      await rejection(parking.wallet.authorize(authorizeRequest(phone, 100n, overrides))),
      { kind, reason },
      reason,
    );
  }
  assert.deepEqual(
    await rejection(parking.wallet.capture({ idempotencyKey: key(), holdId: 'nope', amountMinor: 1n })),
    { kind: 'invalid_argument', reason: 'HOLD_ID_INVALID' },
  );

  const used = phone.present('parking');
  await parking.wallet.authorize(authorizeRequest(phone, 100n, { presentation: used }));
  assert.deepEqual(await rejection(parking.wallet.authorize(authorizeRequest(phone, 100n, { presentation: used }))), {
    kind: 'permission_denied',
    reason: 'MANDATE_ALREADY_USED',
  });

  const bikes = await h.service('bikes');
  const parkingHold = await parking.wallet.authorize(authorizeRequest(phone, 100n));
  assert.deepEqual(
    await rejection(
      bikes.wallet.capture({ idempotencyKey: key(), holdId: parkingHold.hold?.holdId ?? '', amountMinor: 100n }),
    ),
    { kind: 'not_found', reason: 'HOLD_NOT_FOUND' },
    "another service's hold is invisible",
  );
  assert.deepEqual(await rejection(bikes.wallet.getHold({ holdId: parkingHold.hold?.holdId ?? '' })), {
    kind: 'not_found',
    reason: 'HOLD_NOT_FOUND',
  });
  assert.deepEqual(
    await rejection(
      parking.wallet.topUp({
        idempotencyKey: key(),
        residentId: phone.residentId,
        amount: eur(100n),
        fundingReference: 'x',
      }),
    ),
    { kind: 'permission_denied', reason: 'SCOPE_MISSING' },
  );
  assert.equal((await holdCount()) - before, 2, 'only the two valid authorizations wrote holds');
});

test('charges - a revoked credential gives no mandate', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const status = await h.identity.operator.getResident({ residentId: phone.residentId });
  await h.identity.operator.revokeCredential({
    credentialId: status.activeCredential?.credentialId ?? '',
    reason: 'stolen',
  });
  // Within the second it takes the revocation to arrive an authorization may still pass; after it none does.
  await waitFor(
    async () => {
      try {
        await parking.wallet.authorize(authorizeRequest(phone, 100n));
        return false;
      } catch (error) {
        return (
          error instanceof DomainError && error.kind === 'permission_denied' && error.reason === 'CREDENTIAL_REVOKED'
        );
      }
    },
    'revocation reaches the wallet',
    1_000,
  );
});

test('charges - residents page through their statement and read their balance with a presentation to the wallet', async () => {
  const phone = await h.resident();
  for (let index = 1; index <= 5; index++) await h.topUp(phone, BigInt(index * 100));
  const asResident = (): import('@grpc/grpc-js').Metadata => {
    const metadata = bearer('unused');
    metadata.set('citypass-presentation', phone.present('wallet'));
    return metadata;
  };
  const first = await parking.wallet.listStatement(
    { residentId: '', currency: 'EUR', pageSize: 2, pageToken: '' },
    { metadata: asResident() },
  );
  const second = await parking.wallet.listStatement(
    { residentId: '', currency: 'EUR', pageSize: 2, pageToken: first.nextPageToken },
    { metadata: asResident() },
  );
  const third = await parking.wallet.listStatement(
    { residentId: '', currency: 'EUR', pageSize: 2, pageToken: second.nextPageToken },
    { metadata: asResident() },
  );
  assert.deepEqual(
    [...first.lines, ...second.lines, ...third.lines].map((line) => line.amountMinor),
    [500n, 400n, 300n, 200n, 100n],
  );
  assert.equal(third.nextPageToken, '');
  const balance = await parking.wallet.getBalance({ residentId: '', currency: 'EUR' }, { metadata: asResident() });
  assert.equal(balance.balance?.amountMinor, 1_500n);
  assert.deepEqual(await rejection(parking.wallet.getBalance({ residentId: '', currency: 'EUR' })), {
    kind: 'unauthenticated',
    reason: 'PRESENTATION_MISSING',
  });
  const wrongAudience = bearer('unused');
  wrongAudience.set('citypass-presentation', phone.present('parking'));
  assert.equal(
    (await rejection(parking.wallet.getBalance({ residentId: '', currency: 'EUR' }, { metadata: wrongAudience })))
      .reason,
    'AUDIENCE_MISMATCH',
  );
  assert.deepEqual(
    await rejection(
      parking.wallet.listStatement(
        { residentId: '', currency: 'EUR', pageSize: 2, pageToken: 'forged' },
        { metadata: asResident() },
      ),
    ),
    { kind: 'invalid_argument', reason: 'PAGE_TOKEN_INVALID' },
  );
});

test('charges - an expired mandate is refused as permission denied', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const stale = createPresentation({
    credential: phone.credential,
    devicePrivateKey: phone.app.deviceKey.privateKey,
    audience: 'parking',
    counter: 1,
    nowMs: Date.now() - 120_000,
  });
  assert.deepEqual(await rejection(parking.wallet.authorize(authorizeRequest(phone, 100n, { presentation: stale }))), {
    kind: 'permission_denied',
    reason: 'PRESENTATION_EXPIRED',
  });
});
