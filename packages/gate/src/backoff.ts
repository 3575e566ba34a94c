// Waiting helpers for the gate's background loops: exponential backoff with jitter, and a wake-up that a sleeping
// loop can be interrupted by. Timers are unref'd: a gate's process stays alive for its own reasons, not for these.

export type BackoffOptions = {
  /** First delay. Default 250 ms. */
  readonly initialMs?: number;
  /** Longest delay. Default 30 s. */
  readonly maxMs?: number;
};

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  #attempts = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 250;
    this.#maxMs = options.maxMs ?? 30_000;
  }

  get attempts(): number {
    return this.#attempts;
  }

  /** The next delay: doubling from initialMs up to maxMs, each drawn from its upper half so retries spread out. */
  next(): number {
    const ceilingMs = Math.min(this.#maxMs, this.#initialMs * 2 ** Math.min(this.#attempts, 30));
    this.#attempts++;
    return ceilingMs / 2 + Math.random() * (ceilingMs / 2);
  }

  reset(): void {
    this.#attempts = 0;
  }
}

export class Wakeup {
  readonly #waiters = new Set<() => void>();

  /** Ends every wait in progress. */
  wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const done of waiters) done();
  }

  /** Resolves at the next wake(), or after `ms` when given. */
  wait(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      if (ms !== undefined) timer = setTimeout(done, Math.max(0, ms)).unref();
      this.#waiters.add(done);
    });
  }
}
