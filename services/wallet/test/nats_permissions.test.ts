// Bearer tokens travel in NATS request headers, so the broker must keep other clients from reading wallet
// requests. With per-service NATS users where only the wallet may subscribe to wallet.v1.>, a service still
// charges over NATS, and a client that tries to listen in gets a permissions violation and sees nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AuthorizeRequest, AuthorizeResponse } from '@citypass/proto/wallet/v1/wallet';
import { request } from '@citypass/platform/bus';
import { startWalletHarness, type ServiceClient, type WalletHarness } from './harness.ts';

const passwords = { identity: secret(), wallet: secret(), transit: secret(), snoop: secret() };
function secret(): string {
  return randomBytes(18).toString('hex');
}

// The shape a deployment needs: the services own their subjects; everyone else may publish requests and read
// replies (in _INBOX) but not subscribe to another service's request subjects.
const natsConfig = `
authorization {
  default_permissions = { publish = ">", subscribe = { allow = [">"], deny = ["wallet.v1.>", "identity.v1.>"] } }
  users = [
    { user = identity, password = "${passwords.identity}", permissions = { publish = ">", subscribe = ">" } }
    { user = wallet, password = "${passwords.wallet}", permissions = { publish = ">", subscribe = { allow = [">"], deny = ["identity.v1.>"] } } }
    { user = transit, password = "${passwords.transit}" }
    { user = snoop, password = "${passwords.snoop}" }
  ]
}
`;

let h: WalletHarness;
let transit: ServiceClient;
let transitBus: NatsConnection;
let snoopBus: NatsConnection;
before(async () => {
  h = await startWalletHarness(
    {},
    { config: natsConfig, identityUser: `identity:${passwords.identity}`, walletUser: `wallet:${passwords.wallet}` },
  );
  transit = await h.service('transit');
  transitBus = await connect({ servers: h.identity.nats.url, user: 'transit', pass: passwords.transit });
  snoopBus = await connect({ servers: h.identity.nats.url, user: 'snoop', pass: passwords.snoop });
});
after(async () => {
  await transitBus.close();
  await snoopBus.close();
  await h.stop();
});

test('nats permissions - a service charges over NATS while a listener on wallet.v1.> is refused and hears nothing', async () => {
  const errors: string[] = [];
  void (async () => {
    for await (const status of snoopBus.status()) if (status.type === 'error') errors.push(String(status.error));
  })();
  const heard: string[] = [];
  const sniffer = snoopBus.subscribe('wallet.v1.>', {
    callback: (error, message) => {
      if (error === null) heard.push(message.subject);
      else errors.push(String(error));
    },
  });
  await snoopBus.flush();

  const phone = await h.resident();
  await h.topUp(phone, 1_000n);
  const response = AuthorizeResponse.decode(
    await request(
      transitBus,
      'wallet.v1.authorize',
      AuthorizeRequest.encode({
        idempotencyKey: randomBytes(8).toString('hex'),
        amount: { amountMinor: 250n, currency: 'EUR' },
        presentation: phone.present('transit'),
        reference: 'tap',
        holdTtlSeconds: 0,
        settlesTap: false,
      }).finish(),
      { deadlineMs: Date.now() + 5_000, headers: { Authorization: `Bearer ${transit.token}` } },
    ),
  );
  assert.equal(response.hold?.service, 'transit');

  await new Promise((resolve) => setTimeout(resolve, 200));
  sniffer.unsubscribe();
  assert.deepEqual(heard, [], 'the listener heard no request');
  assert.ok(
    errors.some((error) => /permissions violation/i.test(error)),
    `expected a permissions violation, got ${JSON.stringify(errors)}`,
  );
});

test('nats permissions - a client without a NATS user cannot connect at all', async () => {
  await assert.rejects(connect({ servers: h.identity.nats.url, reconnect: false }), /authorization/i);
});
