// System test: identity runs as its own process; a resident's phone walks the whole path over HTTP, and a
// verifier (a gate, say) checks presentations offline, sees a revocation through the KV bucket, and keeps
// working with the network gone.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ConcessionClass, IdentityServiceService } from '@citypass/proto/identity/v1/identity';
import {
  createPresentation,
  IssuerKeys,
  PresentationVerifier,
  ReplayCache,
  RevocationSet,
  watchRevocations,
  type RevocationWatch,
} from '@citypass/credential';
import { DomainError } from '@citypass/platform/errors';
import { bearer, promiseClient, type PromiseClient } from '@citypass/platform/grpc';
import { ResidentApp } from '@citypass/phone';
import { startIdentityProcess, type IdentityProcess } from './support/identity_process.ts';

const password = 'correct horse battery staple';
let identity: IdentityProcess;
let issuer: string;
let operator: PromiseClient<typeof IdentityServiceService>;

before(async () => {
  identity = await startIdentityProcess({ LOG_LEVEL: 'debug' });
  issuer = identity.issuer;
  operator = promiseClient(IdentityServiceService, identity.grpcAddress, {
    metadata: async () => bearer(await identity.operatorToken()),
  });
});

after(async () => {
  operator.close();
  await identity.stop();
});

async function enrolledPhone(): Promise<{ phone: ResidentApp; credential: string; credentialId: string }> {
  const created = await operator.createResident({
    idempotencyKey: randomBytes(12).toString('hex'),
    givenName: 'Mary',
    familyName: 'Jackson',
    birthDate: '2010-04-09',
    concessionClass: ConcessionClass.CONCESSION_CLASS_CHILD,
    coveragePlanRef: 'plan-kids',
  });
  const phone = new ResidentApp(issuer);
  const accessToken = await phone.enroll(created.enrollmentCode?.code ?? '', password);
  const response = await phone.requestCredential(accessToken);
  assert.equal(response.status, 200, await response.clone().text());
  const credential =
    ((await response.json()) as { credentials: { credential: string }[] }).credentials[0]?.credential ?? '';
  const status = await operator.getResident({ residentId: created.resident?.residentId ?? '' });
  return { phone, credential, credentialId: status.activeCredential?.credentialId ?? '' };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return error instanceof DomainError ? error.reason : String(error);
  }
}

test('system - enroll, get the credential, verify offline, revoke, refused; still verifying with the network gone', async () => {
  const gate = 'gate:central-1';
  const alice = await enrolledPhone();
  const bob = await enrolledPhone();

  // The gate fetched the issuer's keys while it was online, and watches the revocation bucket.
  const jwks: unknown = await (await fetch(`${issuer}/jwks`)).json();
  const revocations = new RevocationSet();
  const nc: NatsConnection = await connect({ servers: identity.nats.url });
  const watch: RevocationWatch = await watchRevocations(
    await new Kvm(jetstream(nc)).open('citypass_credential_status'),
    revocations,
  );
  const verifier = new PresentationVerifier({
    issuer,
    issuerKeys: new IssuerKeys({ jwks }),
    revocations,
    replayCache: new ReplayCache(),
  });

  let counter = 0;
  const present = (who: { phone: ResidentApp; credential: string }): string =>
    createPresentation({
      credential: who.credential,
      devicePrivateKey: who.phone.deviceKey.privateKey,
      audience: gate,
      counter: ++counter,
      nowMs: Date.now(),
    });

  const tap = present(alice);
  // DESIGN's target is under 1,000 bytes; the SD-JWT VC shape with UUID ids lands a little above it (see README).
  console.log(`# QR payload (credential~key-binding JWT): ${tap.length} bytes`);
  assert.ok(tap.length < 1100, `QR payload is ${tap.length} bytes`);
  const verified = await verifier.verify(tap, { audience: gate });
  assert.equal(verified.credentialId, alice.credentialId);
  assert.equal(verified.concession, 'child');
  assert.equal(await reasonOf(verifier.verify(tap, { audience: gate })), 'PRESENTATION_REPLAYED');
  assert.equal(await reasonOf(verifier.verify(present(alice), { audience: 'gate:elsewhere' })), 'AUDIENCE_MISMATCH');

  await operator.revokeCredential({ credentialId: alice.credentialId, reason: 'reported lost' });
  const deadline = Date.now() + 1_000;
  while (!revocations.isRevoked(alice.credentialId)) {
    assert.ok(Date.now() < deadline, 'revocation did not reach the verifier within a second');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(await reasonOf(verifier.verify(present(alice), { audience: gate })), 'CREDENTIAL_REVOKED');

  // The network goes away: identity and the broker are both gone; the gate still decides.
  await watch.stop();
  await nc.close();
  assert.equal(await identity.process.stop(), 0, 'identity stops cleanly on SIGTERM');
  await identity.nats.stop();
  assert.equal((await verifier.verify(present(bob), { audience: gate })).credentialId, bob.credentialId);
  assert.equal(await reasonOf(verifier.verify(present(alice), { audience: gate })), 'CREDENTIAL_REVOKED');

  // Nothing secret reached the logs.
  const logs = identity.process.output();
  for (const secretText of [password, identity.operatorSecret, alice.credential, bob.credential.split('.')[2] ?? '']) {
    assert.equal(logs.includes(secretText), false, 'a secret appeared in the identity logs');
  }
});
