// Mirrors revocations into the JetStream KV bucket that gates and services watch: key = credential id, value =
// when and why it was revoked. Fed by identity's own published events, so a revocation reaches the bucket even
// if this process died between commit and publish (the outbox relays it later) and repeats are harmless (a put
// of the same value). Entries expire with the bucket's max age, set longer than any credential lives.
import { Kvm, type KV } from '@nats-io/kv';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { CredentialRevoked } from '@citypass/proto/identity/v1/identity';
import type { Logger } from '@citypass/platform/log';
import { startConsumer } from '@citypass/platform/outbox';
import { identitySubjects } from './identity_events.ts';

export async function openStatusBucket(js: JetStreamClient, bucket: string, credentialTtlMs: number): Promise<KV> {
  return new Kvm(js).create(bucket, { history: 1, ttl: credentialTtlMs + 24 * 3600 * 1000 });
}

export async function startStatusMirror(options: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  kv: KV;
  logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  return startConsumer({
    js: options.js,
    jsm: options.jsm,
    stream: options.stream,
    durable: 'identity-status-mirror',
    filterSubject: identitySubjects.credentialRevoked,
    logger: options.logger,
    handler: async (envelope) => {
      const event = CredentialRevoked.decode(envelope.payload);
      await options.kv.put(
        event.credentialId,
        JSON.stringify({ revokedAt: event.revokedAt?.toISOString(), by: event.revokedBy, expiresAt: event.expiresAt?.toISOString() }),
      );
    },
  });
}
