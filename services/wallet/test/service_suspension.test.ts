// An operator suspends a service through identity: the wallet refuses the token the service already holds (on gRPC
// and NATS), except to give money back, keeps refusing after a restart, and takes it again once resumed. Identity's
// events about one service may be replayed or repeated out of order; only the latest change counts.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { identityEventSubjects } from '@citypass/contracts';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { ServiceResumed, ServiceSuspended } from '@citypass/proto/identity/v1/identity';
import {
  AuthorizeRequest,
  CaptureRequest,
  ChargeRequest,
  RefundRequest,
  RefundResponse,
  VoidRequest,
  VoidResponse,
} from '@citypass/proto/wallet/v1/wallet';
import { request } from '@citypass/platform/bus';
import { outcomeOf } from '@citypass/platform/testing';
import { startWalletHarness, waitFor, type Phone, type ServiceClient, type WalletHarness } from './harness.ts';

let h: WalletHarness;
let nc: NatsConnection;
before(async () => {
  h = await startWalletHarness();
  nc = await connect({ servers: h.identity.nats.url });
});
after(async () => {
  await nc.close();
  await h.stop();
});

const suspended = 'permission_denied:SERVICE_SUSPENDED';
const key = (): string => randomBytes(12).toString('hex');
const eur = (amountMinor: bigint) => ({ amountMinor, currency: 'EUR' });
const authorizeRequest = (phone: Phone, service: string, amountMinor: bigint): AuthorizeRequest => ({
  idempotencyKey: key(),
  amount: eur(amountMinor),
  presentation: phone.present(service),
  reference: 'session',
  holdTtlSeconds: 0,
  settlesTap: false,
});
const overNats = (service: ServiceClient, subject: string, payload: Uint8Array): Promise<Uint8Array> =>
  request(nc, subject, payload, {
    deadlineMs: Date.now() + 5_000,
    headers: { Authorization: `Bearer ${service.token}` },
  });
/** A side-effect-free call that is refused exactly while the service is suspended. */
const readOutcome = (service: ServiceClient): Promise<string> =>
  outcomeOf(service.wallet.listHolds({ status: 'pending', pageSize: 1, pageToken: '' }));

test('service suspension - the token issued before is refused until resumed; voids and refunds still go through', async (t) => {
  const parking = await h.service('parking', ['refund:parking']);
  const phone = await h.resident();
  await h.topUp(phone, 5_000n);
  const toVoid = (await parking.wallet.authorize(authorizeRequest(phone, 'parking', 300n))).hold?.holdId ?? '';
  const toCapture = (await parking.wallet.authorize(authorizeRequest(phone, 'parking', 200n))).hold?.holdId ?? '';
  const charged = await parking.wallet.charge({ ...authorizeRequest(phone, 'parking', 400n) });

  const suspendedAtMs = performance.now();
  await h.identity.operator.suspendService({ clientId: 'parking', reason: 'unpaid invoices' });
  await waitFor(async () => (await readOutcome(parking)) === suspended, 'the suspension reaches the wallet');
  // A figure for the report, not an assertion: identity's outbox relay, JetStream and the follower in between.
  t.diagnostic(
    `suspension refused ${(performance.now() - suspendedAtMs).toFixed(0)} ms after SuspendService was called`,
  );

  // gRPC: nothing new is charged or captured with the same, still unexpired, token.
  assert.equal(await outcomeOf(parking.wallet.authorize(authorizeRequest(phone, 'parking', 100n))), suspended);
  assert.equal(await outcomeOf(parking.wallet.charge(authorizeRequest(phone, 'parking', 100n))), suspended);
  assert.equal(
    await outcomeOf(parking.wallet.capture({ idempotencyKey: key(), holdId: toCapture, amountMinor: 200n })),
    suspended,
  );
  assert.equal(await outcomeOf(parking.wallet.getHold({ holdId: toCapture })), suspended);
  // NATS: the same.
  for (const [subject, payload] of [
    ['wallet.v1.authorize', AuthorizeRequest.encode(authorizeRequest(phone, 'parking', 100n)).finish()],
    ['wallet.v1.charge', ChargeRequest.encode(authorizeRequest(phone, 'parking', 100n)).finish()],
    [
      'wallet.v1.capture',
      CaptureRequest.encode({ idempotencyKey: key(), holdId: toCapture, amountMinor: 1n }).finish(),
    ],
  ] as const) {
    assert.equal(await outcomeOf(overNats(parking, subject, payload)), suspended, subject);
  }
  // Giving money back is still taken: a void over gRPC, a void and a refund over NATS.
  assert.equal((await parking.wallet.void({ idempotencyKey: key(), holdId: toVoid })).hold?.status, 'voided');
  const voided = VoidResponse.decode(
    await overNats(
      parking,
      'wallet.v1.void',
      VoidRequest.encode({ idempotencyKey: key(), holdId: toCapture }).finish(),
    ),
  );
  assert.equal(voided.hold?.status, 'voided');
  const refunded = RefundResponse.decode(
    await overNats(
      parking,
      'wallet.v1.refund',
      RefundRequest.encode({
        idempotencyKey: key(),
        holdId: charged.hold?.holdId ?? '',
        amountMinor: 150n,
        reason: 'suspended',
      }).finish(),
    ),
  );
  assert.equal(refunded.hold?.refundedMinor, 150n);

  // A restart rebuilds the set from identity's stream before the wallet takes a call: refused at once.
  await h.restartWallet();
  assert.equal(await readOutcome(parking), suspended);
  assert.equal(await outcomeOf(parking.wallet.authorize(authorizeRequest(phone, 'parking', 100n))), suspended);

  await h.identity.operator.resumeService({ clientId: 'parking', reason: 'invoices paid' });
  await waitFor(async () => (await readOutcome(parking)) === 'OK', 'the resumption reaches the wallet');
  const again = await parking.wallet.authorize(authorizeRequest(phone, 'parking', 100n));
  assert.equal(again.hold?.status, 'pending');
  // Another service was never affected.
  const bikes = await h.service('bikes');
  assert.equal(await readOutcome(bikes), 'OK');
});

test('service suspension - a resumption ahead of its suspension, and duplicates, leave the latest change standing', async () => {
  const shop = await h.service('corner-shop');
  const js = jetstream(nc);
  const publish = async (type: string, payload: Uint8Array, at: Date, id = randomUUID()): Promise<void> => {
    const envelope = EventEnvelope.encode({
      id,
      type,
      version: 1,
      occurredAt: at,
      source: 'identity',
      payload: Buffer.from(payload),
    });
    await js.publish(type, envelope.finish(), { msgID: `${id}-${randomUUID()}` });
  };
  const suspendedAt = (at: Date) =>
    ServiceSuspended.encode({ serviceName: shop.name, clientId: shop.name, suspendedAt: at, reason: 'test' }).finish();
  const resumedAt = (at: Date) =>
    ServiceResumed.encode({ serviceName: shop.name, clientId: shop.name, resumedAt: at }).finish();
  const earlier = new Date(Date.now() - 60_000);
  const later = new Date(Date.now() - 30_000);
  // The resumption reaches the stream first; its suspension arrives after it, twice (a relay repeating itself).
  const suspensionId = randomUUID();
  await publish(identityEventSubjects.serviceResumed, resumedAt(later), later);
  await publish(identityEventSubjects.serviceSuspended, suspendedAt(earlier), earlier, suspensionId);
  await publish(identityEventSubjects.serviceSuspended, suspendedAt(earlier), earlier, suspensionId);
  // A marker behind them in the stream: once it is applied, so are they (one consumer, in stream order).
  const marker = await h.service('marker');
  await publish(
    identityEventSubjects.serviceSuspended,
    ServiceSuspended.encode({
      serviceName: 'marker',
      clientId: 'marker',
      suspendedAt: new Date(),
      reason: 'm',
    }).finish(),
    new Date(),
  );
  await waitFor(async () => (await readOutcome(marker)) === suspended, 'the marker reaches the wallet');
  assert.equal(await readOutcome(shop), 'OK', 'the older suspension does not undo the later resumption');

  // The same events replayed from the stream at start give the same answer.
  await h.restartWallet();
  assert.equal(await readOutcome(marker), suspended);
  assert.equal(await readOutcome(shop), 'OK');
});
