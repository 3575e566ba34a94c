// Keeps a RevocationSet equal to a NATS KV bucket whose keys are revoked credential ids (values say since when,
// as identity writes them): a PUT revokes, a DEL or PURGE lifts the revocation. The watch starts before the initial key listing and its updates are applied after
// it, so a change made while the listing runs is never lost.
import type { KV, KvWatchEntry } from '@nats-io/kv';
import { KvWatchInclude } from '@nats-io/kv';
import { revokedAtOf, type RevocationSet } from './revocations.ts';

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

/** Every key with its revocation time (values fetched a few at a time). */
async function listKeys(kv: KV): Promise<Map<string, number>> {
  const keys: string[] = [];
  for await (const key of await kv.keys()) keys.push(key);
  const revoked = new Map<string, number>();
  for (let index = 0; index < keys.length; index += 64) {
    await Promise.all(
      keys.slice(index, index + 64).map(async (key) => {
        const entry = await kv.get(key);
        if (entry !== null && entry.operation === 'PUT') revoked.set(key, revokedAtOf(entry.string()));
      }),
    );
  }
  return revoked;
}

function replaceAll(set: RevocationSet, revoked: Map<string, number>): void {
  for (const credentialId of [...set.ids()]) {
    if (!revoked.has(credentialId)) set.remove(credentialId);
  }
  for (const [credentialId, revokedAtMs] of revoked) set.add(credentialId, revokedAtMs);
}

async function applyUpdates(updates: AsyncIterable<KvWatchEntry>, set: RevocationSet): Promise<void> {
  for await (const entry of updates) {
    switch (entry.operation) {
      case 'PUT':
        set.add(entry.key, revokedAtOf(entry.string()));
        break;
      case 'DEL':
      case 'PURGE':
        set.remove(entry.key);
        break;
    }
  }
}
