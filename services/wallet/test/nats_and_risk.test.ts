// The city's services charge over NATS request/reply with the same rules as gRPC; risk limits decline with a
// reason.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AuthorizeRequest, AuthorizeResponse, CaptureRequest, CaptureResponse } from '@citypass/proto/wallet/v1/wallet';
import { request } from '@citypass/platform/bus';
import { startWalletHarness, type Phone, type ServiceClient, type WalletHarness } from './harness.ts';
import { outcomeOf } from '@citypass/platform/testing';

let h: WalletHarness;
let transit: ServiceClient;
let nc: NatsConnection;
before(async () => {
  h = await startWalletHarness({
    WALLET_RISK_AUTHORIZATIONS_PER_MINUTE: '3',
    WALLET_RISK_DAILY_LIMIT_MINOR: '1000',
    WALLET_RISK_CREDENTIAL_DAILY_LIMIT_MINOR: '600',
  });
  transit = await h.service('transit');
  nc = await connect({ servers: h.identity.nats.url });
});
after(async () => {
  await nc.close();
  await h.stop();
});

const key = (): string => randomBytes(12).toString('hex');
const authorizeBytes = (phone: Phone, amountMinor: bigint): Uint8Array =>
  AuthorizeRequest.encode({
    idempotencyKey: key(),
    amount: { amountMinor, currency: 'EUR' },
    presentation: phone.present('transit'),
    reference: 'tap',
    holdTtlSeconds: 0,
    settlesTap: false,
  }).finish();
const inSeconds = (seconds: number): number => Date.now() + seconds * 1000;

test('nats - authorize and capture over request/reply with the caller token and deadline', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 2_000n);
  const headers = { Authorization: `Bearer ${transit.token}` };
  const authorized = AuthorizeResponse.decode(
    await request(nc, 'wallet.v1.authorize', authorizeBytes(phone, 250n), { deadlineMs: inSeconds(5), headers }),
  );
  assert.equal(authorized.hold?.service, 'transit');
  const captured = CaptureResponse.decode(
    await request(
      nc,
      'wallet.v1.capture',
      CaptureRequest.encode({
        idempotencyKey: key(),
        holdId: authorized.hold.holdId,
        amountMinor: 250n,
      }).finish(),
      { deadlineMs: inSeconds(5), headers },
    ),
  );
  assert.equal(captured.hold?.status, 'captured');
  assert.ok(captured.transferId);
});

test('nats - missing or foreign tokens, malformed or oversized payloads and passed deadlines are refused', async () => {
  const phone = await h.resident();
  await h.topUp(phone, 2_000n);
  assert.equal(
    await outcomeOf(request(nc, 'wallet.v1.authorize', authorizeBytes(phone, 10n), { deadlineMs: inSeconds(5) })),
    'unauthenticated:TOKEN_MISSING',
  );
  assert.equal(
    await outcomeOf(
      request(nc, 'wallet.v1.authorize', authorizeBytes(phone, 10n), {
        deadlineMs: inSeconds(5),
        headers: { Authorization: 'Bearer x.y.z' },
      }),
    ),
    'unauthenticated:TOKEN_INVALID',
  );
  const headers = { Authorization: `Bearer ${transit.token}` };
  assert.equal(
    await outcomeOf(
      request(nc, 'wallet.v1.authorize', Buffer.from([0xff, 0xff, 0xff]), { deadlineMs: inSeconds(5), headers }),
    ),
    'invalid_argument:PAYLOAD_MALFORMED',
  );
  assert.equal(
    await outcomeOf(
      request(nc, 'wallet.v1.authorize', new Uint8Array(64 * 1024), { deadlineMs: inSeconds(5), headers }),
    ),
    'invalid_argument:PAYLOAD_TOO_LARGE',
  );
  assert.equal(
    await outcomeOf(
      request(nc, 'wallet.v1.authorize', authorizeBytes(phone, 10n), { deadlineMs: Date.now() - 1, headers }),
    ),
    'deadline_exceeded:DEADLINE_EXCEEDED',
  );
  const held = await h.db.query('SELECT 1 FROM holds WHERE resident_id = $1', [phone.residentId]);
  assert.equal(held.rowCount, 0);
});

test('risk - velocity, daily amount and per-credential caps decline with their reason', async () => {
  const fast = await h.resident();
  await h.topUp(fast, 5_000n);
  const authorizeGrpc = (phone: Phone, amountMinor: bigint): Promise<string> =>
    outcomeOf(
      transit.wallet.authorize({
        idempotencyKey: key(),
        amount: { amountMinor, currency: 'EUR' },
        presentation: phone.present('transit'),
        reference: '',
        holdTtlSeconds: 0,
        settlesTap: false,
      }),
    );
  assert.deepEqual(
    [
      await authorizeGrpc(fast, 10n),
      await authorizeGrpc(fast, 10n),
      await authorizeGrpc(fast, 10n),
      await authorizeGrpc(fast, 10n),
    ],
    ['OK', 'OK', 'OK', 'resource_exhausted:RISK_VELOCITY_LIMIT'],
  );
  const big = await h.resident();
  await h.topUp(big, 5_000n);
  assert.equal(await authorizeGrpc(big, 601n), 'failed_precondition:RISK_CREDENTIAL_CAP');
  assert.equal(await authorizeGrpc(big, 600n), 'OK');
  assert.equal(await authorizeGrpc(big, 1n), 'failed_precondition:RISK_CREDENTIAL_CAP');
  const daily = await h.resident();
  await h.topUp(daily, 5_000n);
  await h.db.query(
    "UPDATE accounts SET spend_day = (now() AT TIME ZONE 'UTC')::date, spend_day_minor = 900 WHERE owner = $1",
    [daily.residentId],
  );
  assert.equal(await authorizeGrpc(daily, 101n), 'failed_precondition:RISK_DAILY_LIMIT');
  assert.equal(await authorizeGrpc(daily, 100n), 'OK');
});
