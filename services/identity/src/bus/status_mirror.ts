// Mirrors revocations into the JetStream KV bucket that gates and services watch: key = credential id, value =
// when and why it was revoked. Fed by identity's own published events, so a revocation reaches the bucket even
// if this process died between commit and publish (the outbox relays it later) and repeats are harmless (a put
// of the same value). Entries expire with the bucket's max age, set longer than any credential lives.
// The mirror never gives up on an event (a KV outage only delays it), and `resyncStatusBucket` puts every
// revoked, unexpired credential the database knows that the bucket lacks (at start and periodically), so even a
// lost or recreated bucket converges to the database.
import { Kvm, type KV } from '@nats-io/kv';
import { identityEventSubjects } from '@citypass/contracts';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { CredentialRevoked } from '@citypass/proto/identity/v1/identity';
import type { Logger } from '@citypass/platform/log';
import { startConsumer } from '@citypass/platform/consumer';
import type { Queryable } from '@citypass/platform/pg';
import { revokedCredentialsAfter } from '../store/credentials.ts';

/** Redeliveries are 30 s apart at most (platform backoff cap): this bound is years, i.e. never give up. */
const mirrorMaxDeliver = 10_000_000;
const resyncBatchSize = 1_000;

export async function openStatusBucket(js: JetStreamClient, bucket: string, credentialTtlMs: number): Promise<KV> {
  return new Kvm(js).create(bucket, { history: 1, ttl: credentialTtlMs + 24 * 3600 * 1000 });
}

function statusValue(revokedAt: Date | undefined, by: string, expiresAt: Date | undefined): string {
  return JSON.stringify({ revokedAt: revokedAt?.toISOString(), by, expiresAt: expiresAt?.toISOString() });
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
    filterSubject: identityEventSubjects.credentialRevoked,
    logger: options.logger,
    maxDeliver: mirrorMaxDeliver,
    handler: async (envelope) => {
      const event = CredentialRevoked.decode(envelope.payload);
      await options.kv.put(event.credentialId, statusValue(event.revokedAt, event.revokedBy, event.expiresAt));
    },
  });
}

/** Puts every revoked, unexpired credential missing from the bucket; returns how many it put. */
export async function resyncStatusBucket(db: Queryable, kv: KV): Promise<number> {
  const present = new Set<string>();
  for await (const key of await kv.keys()) present.add(key);
  let put = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await revokedCredentialsAfter(db, after, resyncBatchSize);
    for (const row of rows) {
      if (present.has(row.id)) continue;
      await kv.put(row.id, statusValue(row.revokedAt, row.revokedBy, row.expiresAt));
      put++;
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < resyncBatchSize) return put;
    after = last.id;
  }
}
