// Charges that settle taps a gate verified (settles_tap), against real PostgreSQL, NATS and identity. The wallet's
// clock runs ten minutes ahead of identity's and the phones', so a presentation made now is a ten-minute-old tap to
// the wallet: past a presentation's 60 s life, well inside the settlement window. Central station and a shop 40 km
// from it are placed (WALLET_RISK_PLACES) for the risk engine's travel checks.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { WalletServiceService, AuthorizeRequest, AuthorizeResponse } from '@citypass/proto/wallet/v1/wallet';
import { createPresentation } from '@citypass/credential';
import { request } from '@citypass/platform/bus';
import { DomainError } from '@citypass/platform/errors';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { reconciliationReport } from '../src/app/reconciliation_report.ts';
import { ledgerBooks } from '../src/store/reconciliation.ts';
import {
  startWalletHarness,
  waitFor,
  type Phone,
  type ServiceClient,
  type WalletHarness,
  walletOperatorToken,
} from './harness.ts';

const aheadMs = 10 * 60_000;
const windowMs = 14 * 24 * 3600 * 1000;
let h: WalletHarness;
let transit: ServiceClient;
let buses: ServiceClient;
let nc: NatsConnection;
const clients: { close(): void }[] = [];
before(async () => {
  h = await startWalletHarness(
    { WALLET_RISK_PLACES: 'station:central=0/0,merchant:far-shop=40/0' },
    {},
    { now: () => Date.now() + aheadMs },
  );
  transit = await h.service('transit', ['settle:transit', 'refund:transit']);
  buses = await h.service('buses', ['settle:buses']);
  nc = await connect({ servers: h.identity.nats.url });
});
after(async () => {
  for (const client of clients) client.close();
  await nc.close();
  await h.stop();
});

const key = (): string => randomBytes(12).toString('hex');
const eur = (amountMinor: bigint): { amountMinor: bigint; currency: string } => ({ amountMinor, currency: 'EUR' });
const settle = (
  presentation: string,
  reference: string,
  amountMinor = 180n,
  overrides: Partial<AuthorizeRequest> = {},
): AuthorizeRequest => ({
  idempotencyKey: key(),
  amount: eur(amountMinor),
  presentation,
  reference,
  holdTtlSeconds: 0,
  settlesTap: true,
  ...overrides,
});
/** A tap presentation issued at `atMs` on the real clock (the wallet's is `aheadMs` ahead). */
const tapAt = (phone: Phone, atMs: number, audience = 'transit'): string =>
  createPresentation({
    credential: phone.credential,
    devicePrivateKey: phone.app.deviceKey.privateKey,
    audience,
    counter: 1,
    nowMs: atMs,
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

async function holdsOf(phone: Phone): Promise<{ reference: string; amount: string; status: string }[]> {
  return (
    await h.db.query<{ reference: string; amount: string; status: string }>(
      'SELECT reference, amount_minor::text AS amount, status FROM holds WHERE resident_id = $1 ORDER BY reference',
      [phone.residentId],
    )
  ).rows;
}

async function residentWith(amountMinor: bigint): Promise<Phone> {
  const phone = await h.resident();
  await h.topUp(phone, amountMinor);
  return phone;
}

/** The transit client with a token for only these scopes. */
async function transitWith(scope: string): Promise<PromiseClient<typeof WalletServiceService>> {
  const response = await h.identity.clientCredentialsToken(
    'transit',
    transit.clientSecret,
    'urn:citypass:wallet',
    scope,
  );
  assert.equal(response.status, 200);
  const token = ((await response.json()) as { access_token: string }).access_token;
  const client = promiseClient(WalletServiceService, h.address, { metadata: () => bearer(token) });
  clients.push(client);
  return client;
}

test('tap settlement - settling needs settle: on top of charge:, a charge-only or settle-only token is refused and writes nothing', async () => {
  const phone = await residentWith(1_000n);
  const tap = phone.present('transit');
  const chargeOnly = await transitWith('charge:transit refund:transit');
  const settleOnly = await transitWith('settle:transit');
  const refused = settle(tap, 'journey:1:1');
  assert.deepEqual(await rejection(chargeOnly.authorize(refused)), {
    kind: 'permission_denied',
    reason: 'SCOPE_MISSING',
  });
  assert.deepEqual(await rejection(settleOnly.authorize(settle(tap, 'journey:1:1'))), {
    kind: 'permission_denied',
    reason: 'SCOPE_MISSING',
  });
  assert.deepEqual(await holdsOf(phone), []);
  const claimed = await h.db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [refused.idempotencyKey]);
  assert.equal(claimed.rowCount, 0, 'the idempotency key is not claimed either');
  const { hold } = await transit.wallet.authorize(settle(tap, 'journey:1:1'));
  assert.equal(hold?.status, 'pending', 'the same tap settles with both scopes');
});

test('tap settlement - a ten-minute-old tap settles and captures, while as a plain mandate it is refused as expired', async () => {
  const phone = await residentWith(1_000n);
  const tap = phone.present('transit');
  assert.deepEqual(await rejection(transit.wallet.authorize({ ...settle(tap, 'journey:2:1'), settlesTap: false })), {
    kind: 'permission_denied',
    reason: 'PRESENTATION_EXPIRED',
  });
  const { hold } = await transit.wallet.authorize(settle(tap, 'journey:2:1', 240n));
  assert.equal(hold?.reference, 'journey:2:1');
  assert.equal(hold.service, 'transit');
  assert.equal(hold.residentId, phone.residentId);
  const captured = await transit.wallet.capture({ idempotencyKey: key(), holdId: hold.holdId, amountMinor: 240n });
  assert.equal(captured.hold?.status, 'captured');
  assert.deepEqual(await holdsOf(phone), [{ reference: 'journey:2:1', amount: '240', status: 'captured' }]);
});

test('tap settlement - one tap backs one charge per reference; the same reference under a new idempotency key is refused', async () => {
  const phone = await residentWith(5_000n);
  const tap = phone.present('transit');
  const first = settle(tap, 'journey:3:1', 300n);
  const firstHold = await transit.wallet.authorize(first);
  await transit.wallet.authorize(settle(tap, 'journey:3:2', 50n));
  assert.deepEqual(await transit.wallet.authorize(first), firstHold, 'the same key and request answer as before');
  assert.deepEqual(await rejection(transit.wallet.authorize(settle(tap, 'journey:3:1', 300n))), {
    kind: 'already_exists',
    reason: 'TAP_ALREADY_SETTLED',
  });
  const racing = await Promise.all(
    Array.from({ length: 6 }, () =>
      transit.wallet.authorize(settle(tap, 'journey:3:3', 20n)).then(
        () => 'OK',
        (error: unknown) => (error instanceof DomainError ? error.reason : String(error)),
      ),
    ),
  );
  assert.deepEqual(
    racing.sort(),
    ['OK', ...Array<string>(5).fill('TAP_ALREADY_SETTLED')],
    'concurrent new keys for one reference: one hold',
  );
  assert.deepEqual(await rejection(transit.wallet.authorize(settle(tap, ''))), {
    kind: 'invalid_argument',
    reason: 'REFERENCE_INVALID',
  });
  assert.deepEqual(
    (await holdsOf(phone)).map((hold) => [hold.reference, hold.amount]),
    [
      ['journey:3:1', '300'],
      ['journey:3:2', '50'],
      ['journey:3:3', '20'],
    ],
  );
});

test('tap settlement - the window: older is TAP_TOO_OLD, just inside is verified as of the tap, from the future is TAP_IN_FUTURE', async () => {
  const phone = await residentWith(1_000n);
  const walletNow = Date.now() + aheadMs;
  assert.deepEqual(
    await rejection(transit.wallet.authorize(settle(tapAt(phone, walletNow - windowMs - 5_000), 'journey:4:1'))),
    { kind: 'permission_denied', reason: 'TAP_TOO_OLD' },
  );
  // Inside the window the presentation is verified as of its issue time, when this credential did not exist yet.
  assert.deepEqual(
    await rejection(transit.wallet.authorize(settle(tapAt(phone, walletNow - windowMs + 60_000), 'journey:4:1'))),
    { kind: 'permission_denied', reason: 'CREDENTIAL_NOT_YET_VALID' },
  );
  assert.deepEqual(await rejection(transit.wallet.authorize(settle(tapAt(phone, walletNow + 60_000), 'journey:4:1'))), {
    kind: 'permission_denied',
    reason: 'TAP_IN_FUTURE',
  });
  assert.deepEqual(await rejection(transit.wallet.authorize(settle('garbage', 'journey:4:1'))), {
    kind: 'invalid_argument',
    reason: 'MALFORMED_PRESENTATION',
  });
  assert.deepEqual(await rejection(transit.wallet.authorize(settle('', 'journey:4:1'))), {
    kind: 'invalid_argument',
    reason: 'MANDATE_MISSING',
  });
  assert.deepEqual(await holdsOf(phone), []);
});

test('tap settlement - a tap settles only for its audience, within its cap, and from before its credential was revoked', async () => {
  const phone = await residentWith(1_000n);
  const tap = phone.present('transit', eur(200n));
  await transit.wallet.authorize(settle(tap, 'journey:5:1', 150n));
  assert.deepEqual(
    await rejection(buses.wallet.authorize(settle(tap, 'journey:5:1'))),
    { kind: 'permission_denied', reason: 'AUDIENCE_MISMATCH' },
    "another settling service cannot settle transit's taps",
  );
  assert.deepEqual(await rejection(transit.wallet.authorize(settle(phone.present('parking'), 'journey:5:1'))), {
    kind: 'permission_denied',
    reason: 'AUDIENCE_MISMATCH',
  });
  assert.deepEqual(
    await rejection(transit.wallet.authorize(settle(tap, 'journey:5:2', 201n))),
    { kind: 'permission_denied', reason: 'MANDATE_CAP_EXCEEDED' },
    'the cap bounds each charge',
  );
  await transit.wallet.authorize(settle(tap, 'journey:5:2', 200n));
  // Presentation and revocation times have one-second resolution.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const status = await h.identity.operator.getResident({ residentId: phone.residentId });
  await h.identity.operator.revokeCredential({
    credentialId: status.activeCredential?.credentialId ?? '',
    reason: 'stolen',
  });
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await waitFor(
    async () => {
      try {
        await transit.wallet.authorize(
          settle(phone.present('transit'), `journey:6:${randomBytes(4).toString('hex')}`, 1n),
        );
        return false;
      } catch (error) {
        return (
          error instanceof DomainError && error.kind === 'permission_denied' && error.reason === 'CREDENTIAL_REVOKED'
        );
      }
    },
    'revocation reaches the wallet: a tap made after it is refused',
    2_000,
  );
  await transit.wallet.authorize(settle(tap, 'journey:5:3', 50n));
  const written = await holdsOf(phone);
  assert.deepEqual(
    written.filter((hold) => hold.reference.startsWith('journey:5:')).map((hold) => [hold.reference, hold.amount]),
    [
      ['journey:5:1', '150'],
      ['journey:5:2', '200'],
      ['journey:5:3', '50'],
    ],
    'the tap made before the revocation still settles: the resident rode then',
  );
  assert.ok(
    written.filter((hold) => hold.reference.startsWith('journey:6:')).every((hold) => hold.amount === '1'),
    'only probes that raced the revocation wrote more holds',
  );
});

test('tap settlement - over NATS with the same rules as gRPC', async () => {
  const phone = await residentWith(1_000n);
  const tap = phone.present('transit');
  const viaNats = (token: string, message: AuthorizeRequest): Promise<AuthorizeResponse> =>
    request(nc, 'wallet.v1.authorize', AuthorizeRequest.encode(message).finish(), {
      deadlineMs: Date.now() + 5_000,
      headers: { Authorization: `Bearer ${token}` },
    }).then((bytes) => AuthorizeResponse.decode(bytes));
  const chargeOnly = await h.identity.clientCredentialsToken(
    'transit',
    transit.clientSecret,
    'urn:citypass:wallet',
    'charge:transit',
  );
  const chargeOnlyToken = ((await chargeOnly.json()) as { access_token: string }).access_token;
  assert.deepEqual(await rejection(viaNats(chargeOnlyToken, settle(tap, 'journey:6:1'))), {
    kind: 'permission_denied',
    reason: 'SCOPE_MISSING',
  });
  const settled = await viaNats(transit.token, settle(tap, 'journey:6:1', 120n));
  assert.equal(settled.hold?.status, 'pending');
  await viaNats(transit.token, settle(tap, 'journey:6:2', 30n));
  assert.deepEqual(await rejection(viaNats(transit.token, settle(tap, 'journey:6:1', 120n))), {
    kind: 'already_exists',
    reason: 'TAP_ALREADY_SETTLED',
  });
  assert.deepEqual(
    await rejection(
      viaNats(transit.token, settle(tapAt(phone, Date.now() + aheadMs - windowMs - 5_000), 'journey:6:3')),
    ),
    { kind: 'permission_denied', reason: 'TAP_TOO_OLD' },
  );
  assert.deepEqual(
    (await holdsOf(phone)).map((hold) => hold.reference),
    ['journey:6:1', 'journey:6:2'],
  );
});

test('tap settlement - the charges of one tap capture and refund, and the ledger still reconciles', async () => {
  const phone = await residentWith(1_000n);
  const tap = phone.present('transit');
  const fare = await transit.wallet.authorize(settle(tap, 'journey:7:1', 300n));
  const correction = await transit.wallet.authorize(settle(tap, 'journey:7:2', 120n));
  await transit.wallet.capture({ idempotencyKey: key(), holdId: fare.hold?.holdId ?? '', amountMinor: 300n });
  await transit.wallet.capture({ idempotencyKey: key(), holdId: correction.hold?.holdId ?? '', amountMinor: 100n });
  const refunded = await transit.wallet.refund({
    idempotencyKey: key(),
    holdId: fare.hold?.holdId ?? '',
    amountMinor: 50n,
    reason: 'fare corrected',
  });
  assert.equal(refunded.hold?.refundedMinor, 50n);
  const account = (
    await h.db.query<{ balance_minor: string; held_minor: string }>(
      "SELECT balance_minor, held_minor FROM accounts WHERE kind = 'resident' AND owner = $1",
      [phone.residentId],
    )
  ).rows[0];
  assert.deepEqual([account?.balance_minor, account?.held_minor], ['650', '0']);
  await waitFor(
    async () => (await h.db.query('SELECT 1 FROM outbox WHERE published_at IS NULL')).rowCount === 0,
    'outbox relayed',
  );
  const report = await reconciliationReport(ledgerBooks(h.db));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));
});

test('tap settlement - a fare names its station: the stored decision keeps it, and a payment 40 km away ten minutes after the tap is stepped up', async () => {
  const phone = await residentWith(1_000n);
  const { hold } = await transit.wallet.charge({
    ...settle(phone.present('transit'), 'journey:8:1'),
    stationId: 'central',
  });
  const token = await walletOperatorToken(h.identity);
  const operator = promiseClient(WalletServiceService, h.address, { metadata: () => bearer(token) });
  clients.push(operator);
  const { decision } = await operator.getRiskDecision({ decisionId: '', holdId: hold?.holdId ?? '' });
  assert.equal(decision?.stationId, 'central');
  const stored = await h.db.query<{ event: { stationId: string; place: unknown; channel: string } }>(
    'SELECT event FROM risk_decisions WHERE hold_id = $1',
    [hold?.holdId],
  );
  assert.deepEqual(stored.rows[0]?.event.place, { xKm: 0, yKm: 0 }, 'placed where WALLET_RISK_PLACES puts Central');
  // The wallet's clock is ten minutes past the tap: 40 km in ten minutes is 240 km/h.
  const shop = await h.service('far-shop');
  const refused = await rejection(
    shop.wallet.authorize({
      idempotencyKey: key(),
      amount: eur(500n),
      presentation: tapAt(phone, Date.now() + aheadMs, 'far-shop'),
      reference: '',
      holdTtlSeconds: 0,
      settlesTap: false,
    }),
  );
  assert.deepEqual(refused, { kind: 'permission_denied', reason: 'STEP_UP_REQUIRED' });
});

test('tap settlement - a fare retried under its key with or without station_id answers as first and is charged once', async () => {
  const phone = await residentWith(1_000n);
  const tap = phone.present('transit');
  const station = (request: AuthorizeRequest, stationId: string | undefined): AuthorizeRequest =>
    stationId === undefined ? request : { ...request, stationId };
  // First sent by a transit older than station_id and retried by a newer one during an upgrade; and the other way.
  const tries = [
    ['journey:10:1', undefined, 'central'],
    ['journey:10:2', 'central', undefined],
  ] as const;
  for (const [reference, first, retry] of tries) {
    const request = settle(tap, reference, 200n);
    const answer = await transit.wallet.charge(station(request, first));
    assert.deepEqual(await transit.wallet.charge(station(request, retry)), answer, `${reference}: the first answer`);
    assert.deepEqual(
      await rejection(transit.wallet.charge(station({ ...request, amount: eur(201n) }, retry))),
      { kind: 'already_exists', reason: 'IDEMPOTENCY_KEY_REUSED' },
      'the rest of the request is still bound to the key',
    );
    const authorizing = settle(tap, `${reference}:hold`, 100n);
    const held = await transit.wallet.authorize(station(authorizing, first));
    assert.deepEqual(
      await transit.wallet.authorize(station(authorizing, retry)),
      held,
      `${reference}: authorized once`,
    );
  }
  assert.deepEqual(
    (await holdsOf(phone)).map((hold) => [hold.reference, hold.amount, hold.status]),
    [
      ['journey:10:1', '200', 'captured'],
      ['journey:10:1:hold', '100', 'pending'],
      ['journey:10:2', '200', 'captured'],
      ['journey:10:2:hold', '100', 'pending'],
    ],
  );
  const account = await h.db.query<{ balance_minor: string; held_minor: string }>(
    "SELECT balance_minor, held_minor FROM accounts WHERE kind = 'resident' AND owner = $1 AND currency = 'EUR'",
    [phone.residentId],
  );
  assert.deepEqual(account.rows, [{ balance_minor: '600', held_minor: '200' }], 'each fare taken or held once');
});

test('tap settlement - a station without settles_tap, or not a station id, is STATION_INVALID and writes nothing', async () => {
  const phone = await residentWith(1_000n);
  for (const overrides of [
    { settlesTap: false, stationId: 'central' },
    { stationId: '' },
    { stationId: 'central station' },
    { stationId: 'x'.repeat(65) },
  ]) {
    const request = { ...settle(phone.present('transit'), 'journey:9:1'), ...overrides };
    assert.deepEqual(await rejection(transit.wallet.charge(request)), {
      kind: 'invalid_argument',
      reason: 'STATION_INVALID',
    });
  }
  assert.deepEqual(await holdsOf(phone), []);
});
