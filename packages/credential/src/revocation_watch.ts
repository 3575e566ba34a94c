// Keeps a RevocationSet equal to a NATS KV bucket whose keys are revoked credential ids: a PUT revokes, a DEL or
// PURGE lifts the revocation. The watch starts before the initial key listing and its updates are applied after
// it, so a change made while the listing runs is never lost.
import type { KV, KvWatchEntry } from '@nats-io/kv';
import { KvWatchInclude } from '@nats-io/kv';
import type { RevocationSet } from './revocations.ts';

export type RevocationWatch = {
  stop(): Promise<void>;
  /** Settles when the watch ends: undefined after stop(), the error if the watch failed (the set is then stale). */
  readonly closed: Promise<Error | undefined>;
};

export async function watchRevocations(kv: KV, set: RevocationSet): Promise<RevocationWatch> {
  const updates = await kv.watch({ key: '>', include: KvWatchInclude.UpdatesOnly });
  try {
    replaceAll(set, await listKeys(kv));
  } catch (error) {
    updates.stop();
    throw error;
  }
  const closed = applyUpdates(updates, set).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  return {
    closed,
    async stop() {
      updates.stop();
      await closed;
    },
  };
}

async function listKeys(kv: KV): Promise<Set<string>> {
  const credentialIds = new Set<string>();
  for await (const credentialId of await kv.keys()) credentialIds.add(credentialId);
  return credentialIds;
}

function replaceAll(set: RevocationSet, credentialIds: Set<string>): void {
  for (const credentialId of [...set.ids()]) {
    if (!credentialIds.has(credentialId)) set.remove(credentialId);
  }
  for (const credentialId of credentialIds) set.add(credentialId);
}

async function applyUpdates(updates: AsyncIterable<KvWatchEntry>, set: RevocationSet): Promise<void> {
  for await (const entry of updates) {
    switch (entry.operation) {
      case 'PUT':
        set.add(entry.key);
        break;
      case 'DEL':
      case 'PURGE':
        set.remove(entry.key);
        break;
    }
  }
}
