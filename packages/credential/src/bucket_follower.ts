// The one way citypass follows a KV bucket of ids into a RevocationSet (identity's revoked credentials, transit's
// deny list), in services and on gates alike. The watch is (re)started with backoff whenever it cannot start or
// dies; each new watch loads the whole bucket again, so nothing missed meanwhile is lost. While it is down the set
// keeps what it last knew, and the follower says so: `live` is false, `onChange` hears it (services turn it into
// their gRPC health) and `citypass.bucket_follower.live` is 0. What a check does meanwhile is the caller's explicit
// policy (`revocationsFrom`): money fails closed, a gate decides on the last known list.
import { metrics } from '@opentelemetry/api';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { Backoff, Wakeup, type BackoffOptions } from '@citypass/platform/backoff';
import { DomainError } from '@citypass/platform/errors';
import { credentialReasons } from './errors.ts';
import { watchRevocations, type RevocationWatch } from './revocation_watch.ts';
import { RevocationSet, type RevocationList } from './revocations.ts';

export type BucketFollowerOptions = {
  /**
   * The connection the bucket is read through: a KV watch outlives a lost connection without a word (it resumes
   * on reconnect), so the follower watches the connection itself to know when the set stops following.
   */
  readonly nc: Pick<NatsConnection, 'status' | 'isClosed'>;
  /** Opens the bucket (again, after an outage). */
  readonly open: () => Promise<KV>;
  /** The bucket's name, for events, logs and metrics. */
  readonly bucket: string;
  /** The set to keep equal to the bucket; default a new one. */
  readonly set?: RevocationSet;
  readonly backoff?: BackoffOptions;
  /**
   * Called when the follower goes live or stops following (with why); `wasLive`: it had followed the bucket before
   * (false while a service is still waiting for the bucket at start: not an outage, nothing to alarm about).
   */
  readonly onChange?: (live: boolean, error: unknown, wasLive: boolean) => void;
};

const meter = metrics.getMeter('@citypass/credential');
const liveGauge = meter.createObservableGauge('citypass.bucket_follower.live', {
  description: '1 while a KV bucket is followed, 0 while its watch is down (the set keeps its last contents)',
});
const followers = new Set<BucketFollower>();
liveGauge.addCallback((result) => {
  for (const follower of followers) result.observe(follower.live ? 1 : 0, { bucket: follower.bucket });
});

export class BucketFollower {
  readonly set: RevocationSet;
  readonly bucket: string;
  readonly #options: BucketFollowerOptions;
  readonly #backoff: Backoff;
  readonly #stopping = new Wakeup();
  readonly #live = new Wakeup();
  #watch: RevocationWatch | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  #reported: boolean | undefined;
  #wasLive = false;
  #disconnected = false;

  constructor(options: BucketFollowerOptions) {
    this.#options = options;
    this.bucket = options.bucket;
    this.set = options.set ?? new RevocationSet();
    this.#backoff = new Backoff(options.backoff ?? { initialMs: 250, maxMs: 10_000 });
  }

  /** True while a watch runs: the set follows the bucket. */
  get live(): boolean {
    return this.#watch !== undefined;
  }

  /** Starts following in the background; retries until stopped. */
  start(): void {
    followers.add(this);
    if (this.#running !== undefined) return;
    this.#running = this.#run();
    // Ends with the connection, or at its first status after stop(); nothing waits for it.
    void this.#followConnection();
  }

  /** Starts, and resolves once the bucket has been loaded (or after `timeoutMs`, with `live` still false). */
  async startAndLoad(timeoutMs = 30_000): Promise<boolean> {
    this.start();
    if (!this.live) await this.#live.wait(timeoutMs);
    return this.live;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    followers.delete(this);
    this.#stopping.wake();
    this.#live.wake();
    await this.#watch?.stop();
    await this.#running;
  }

  /** A lost connection ends the watch (the set is no longer following); a new one retries at once. */
  async #followConnection(): Promise<void> {
    for await (const status of this.#options.nc.status()) {
      if (this.#isStopped()) return;
      if (status.type === 'disconnect') {
        this.#disconnected = true;
        await this.#watch?.stop();
      }
      if (status.type === 'reconnect') this.#stopping.wake();
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopped && !this.#options.nc.isClosed()) {
      const error = await this.#watchOnce();
      if (this.#isStopped()) return;
      this.#report(false, error);
      await this.#stopping.wait(this.#backoff.next());
    }
  }

  /** Runs one watch to its end; returns why it ended (or could not start). */
  async #watchOnce(): Promise<unknown> {
    let watch: RevocationWatch;
    try {
      watch = await watchRevocations(await this.#options.open(), this.set);
    } catch (error) {
      return error;
    }
    if (this.#isStopped()) {
      await watch.stop();
      return undefined;
    }
    this.#watch = watch;
    this.#disconnected = false;
    this.#backoff.reset();
    this.#live.wake();
    this.#report(true);
    const error = await watch.closed;
    this.#watch = undefined;
    return error ?? new Error(this.#wasDisconnected() ? 'the connection to NATS was lost' : 'the watch ended');
  }

  /** Tells onChange about a change of state, once (not about every failed retry). */
  #report(live: boolean, error?: unknown): void {
    if (this.#reported === live) return;
    this.#reported = live;
    const wasLive = this.#wasLive;
    if (live) this.#wasLive = true;
    this.#options.onChange?.(live, error, wasLive);
  }

  /** Read again after each await (the connection may have dropped meanwhile). */
  #wasDisconnected(): boolean {
    return this.#disconnected;
  }

  /** Read again after each await (stop() may have run meanwhile). */
  #isStopped(): boolean {
    return this.#stopped;
  }
}

/**
 * What a check answers while the follower is down. `fail_closed`: REVOCATIONS_UNAVAILABLE (nothing is decided on
 * a list that may be stale: money). `last_known`: the set as it was last followed (a gate keeps opening).
 */
export type StalePolicy = 'fail_closed' | 'last_known';

export function revocationsFrom(follower: BucketFollower, policy: StalePolicy): RevocationList {
  return {
    isRevoked: (credentialId, atMs) => {
      if (policy === 'fail_closed' && !follower.live) {
        throw new DomainError(
          'unavailable',
          credentialReasons.REVOCATIONS_UNAVAILABLE,
          'credential status is not available right now',
        );
      }
      return follower.set.isRevoked(credentialId, atMs);
    },
  };
}
