// The transit deny list: residents with an unpaid fare. The database (the deny list store) is the truth; a NATS
// KV bucket (key = resident id) carries it to every transit instance and every gate, which watch it. Settlement
// puts and deletes keys right after its commit; a resync (workers/deny_list_follower.ts) makes the bucket equal
// to the table. Each instance's in-memory set follows the bucket through the one follower gates use too, and also
// takes this instance's own changes at once.
import { Kvm, type KV } from '@nats-io/kv';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { RevocationSet } from '@citypass/credential';
import type { DenyList } from '@citypass/gate';
import type { Logger } from '@citypass/platform/log';
import type { DenyListStore } from './transit_store.ts';

export class DenyListMirror implements DenyList {
  readonly #kv: KV;
  readonly #store: DenyListStore;
  readonly #logger: Logger;
  readonly #denied: RevocationSet;

  private constructor(kv: KV, store: DenyListStore, denied: RevocationSet, logger: Logger) {
    this.#kv = kv;
    this.#store = store;
    this.#denied = denied;
    this.#logger = logger;
  }

  /**
   * The bucket made equal to the table once. `denied` is the set the bucket is followed into
   * (workers/deny_list_follower.ts); this instance's own changes enter it at once too.
   */
  static async open(
    js: JetStreamClient,
    bucket: string,
    store: DenyListStore,
    denied: RevocationSet,
    logger: Logger,
  ): Promise<DenyListMirror> {
    const mirror = new DenyListMirror(await new Kvm(js).create(bucket, { history: 1 }), store, denied, logger);
    await mirror.resync();
    return mirror;
  }

  get size(): number {
    return this.#denied.size;
  }

  isDenied(residentId: string): boolean {
    return this.#denied.isRevoked(residentId);
  }

  residents(): string[] {
    return [...this.#denied.ids()];
  }

  async deny(residentId: string): Promise<void> {
    this.#denied.add(residentId);
    await this.#kv.put(residentId, '1').catch((error: unknown) => {
      this.#logger.warn('deny list put failed; the resync repeats it', { error });
    });
  }

  async clear(residentId: string): Promise<void> {
    this.#denied.remove(residentId);
    await this.#kv.delete(residentId).catch((error: unknown) => {
      this.#logger.warn('deny list delete failed; the resync repeats it', { error });
    });
  }

  /** Makes the bucket equal to the table; returns the number of keys changed. */
  async resync(): Promise<number> {
    // Keys first, then the table: a change committed in between is then in the table and, at worst, put again.
    const present = new Set<string>();
    for await (const key of await this.#kv.keys()) present.add(key);
    const wanted = new Set(await this.#store.residents());
    let changed = 0;
    for (const residentId of wanted) {
      if (!present.has(residentId)) {
        await this.#kv.put(residentId, '1');
        changed++;
      }
    }
    for (const residentId of present) {
      if (!wanted.has(residentId)) {
        await this.#kv.delete(residentId);
        changed++;
      }
    }
    return changed;
  }
}
