// Keeps a set equal to a NATS KV bucket's keys (revoked credentials, or residents on the deny list) while NATS is
// reachable. When the watch cannot start or dies, the set keeps its last known contents (gates decide on) and the
// watch is retried with backoff; a new watch loads the whole bucket again, so nothing missed meanwhile is lost.
import { Kvm } from '@nats-io/kv';
import { watchRevocations, type RevocationSet, type RevocationWatch } from '@citypass/credential';
import { Backoff, Wakeup, type BackoffOptions } from '@citypass/platform/backoff';
import type { Bus } from '@citypass/platform/bus';

export type BucketEvent =
  | { readonly type: 'watch_up'; readonly bucket: string }
  | { readonly type: 'watch_down'; readonly bucket: string; readonly error: unknown };

export type BucketFollowerOptions = {
  readonly nc: Bus['nc'];
  readonly bucket: string;
  readonly set: RevocationSet;
  readonly backoff?: BackoffOptions;
  readonly onEvent?: (event: BucketEvent) => void;
};

export class BucketFollower {
  readonly #options: BucketFollowerOptions;
  readonly #backoff: Backoff;
  readonly #stopping = new Wakeup();
  #watch: RevocationWatch | undefined;
  #stopped = false;
  #reported: 'up' | 'down' | undefined;
  #running: Promise<void> | undefined;

  constructor(options: BucketFollowerOptions) {
    this.#options = options;
    this.#backoff = new Backoff(options.backoff ?? { initialMs: 250, maxMs: 10_000 });
  }

  /** True while a watch is running: the set follows the bucket. */
  get live(): boolean {
    return this.#watch !== undefined;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.wake();
    await this.#watch?.stop();
    await this.#running;
  }

  async #run(): Promise<void> {
    while (!this.#stopped && !this.#options.nc.isClosed()) {
      const error = await this.#watchOnce();
      if (this.#isStopped()) return;
      this.#report('down', error);
      await this.#stopping.wait(this.#backoff.next());
    }
  }

  /** Runs one watch to its end; returns why it ended (or could not start). */
  async #watchOnce(): Promise<unknown> {
    let watch: RevocationWatch;
    try {
      const kv = await new Kvm(this.#options.nc).open(this.#options.bucket);
      watch = await watchRevocations(kv, this.#options.set);
    } catch (error) {
      return error;
    }
    if (this.#isStopped()) {
      await watch.stop();
      return undefined;
    }
    this.#watch = watch;
    this.#backoff.reset();
    this.#report('up');
    const error = await watch.closed;
    this.#watch = undefined;
    return error ?? new Error('watch ended');
  }

  /** Read again after each await (stop() may have run meanwhile). */
  #isStopped(): boolean {
    return this.#stopped;
  }

  #report(state: 'up' | 'down', error?: unknown): void {
    if (this.#reported === state) return;
    this.#reported = state;
    const bucket = this.#options.bucket;
    this.#options.onEvent?.(state === 'up' ? { type: 'watch_up', bucket } : { type: 'watch_down', bucket, error });
  }
}
