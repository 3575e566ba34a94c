// The transit deny list: residents with an unpaid fare. The database (deny_list table) is the truth; a NATS KV
// bucket (key = resident id) carries it to every transit instance and every gate, which watch it. Settlement puts
// and deletes keys right after its commit; a resync every 30 s makes the bucket equal to the table, so a change
// lost to a crash or a bucket outage converges. Each instance's in-memory set follows the bucket through the same
// watcher gates use, and also takes this instance's own changes at once.
import { Kvm, type KV } from '@nats-io/kv';
import type { JetStreamClient } from '@nats-io/jetstream';
import { RevocationSet, watchRevocations, type RevocationWatch } from '@citypass/credential';
import type { Logger } from '@citypass/platform/log';
import type { Queryable } from '@citypass/platform/pg';
import type { DenyList } from '@citypass/gate';

export class DenyListMirror implements DenyList {
  readonly #kv: KV;
  readonly #db: Queryable;
  readonly #logger: Logger;
  readonly #denied = new RevocationSet();
  #watch: RevocationWatch | undefined;
  #timer: NodeJS.Timeout | undefined;

  private constructor(kv: KV, db: Queryable, logger: Logger) {
    this.#kv = kv;
    this.#db = db;
    this.#logger = logger;
  }

  static async open(js: JetStreamClient, bucket: string, db: Queryable, logger: Logger): Promise<DenyListMirror> {
    const mirror = new DenyListMirror(await new Kvm(js).create(bucket, { history: 1 }), db, logger);
    await mirror.resync();
    mirror.#watch = await watchRevocations(mirror.#kv, mirror.#denied);
    void mirror.#watch.closed.then((error) => {
      if (error !== undefined) logger.error('deny list watch ended; this instance decides with the list it has until restarted', { error });
    });
    mirror.#timer = setInterval(() => {
      mirror.resync().catch((error: unknown) => { logger.warn('deny list resync failed', { error }); });
    }, 30_000);
    mirror.#timer.unref();
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
    await this.#kv.put(residentId, '1').catch((error: unknown) => { this.#logger.warn('deny list put failed; the resync repeats it', { error }); });
  }

  async clear(residentId: string): Promise<void> {
    this.#denied.remove(residentId);
    await this.#kv.delete(residentId).catch((error: unknown) => { this.#logger.warn('deny list delete failed; the resync repeats it', { error }); });
  }

  /** Makes the bucket equal to the table; returns the number of keys changed. */
  async resync(): Promise<number> {
    // Keys first, then the table: a change committed in between is then in the table and, at worst, put again.
    const present = new Set<string>();
    for await (const key of await this.#kv.keys()) present.add(key);
    const { rows } = await this.#db.query<{ resident_id: string }>('SELECT resident_id FROM deny_list');
    const wanted = new Set(rows.map((row) => row.resident_id));
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

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#watch?.stop();
  }
}
