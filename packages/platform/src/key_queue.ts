// Work on one key (an account) runs one at a time, in arrival order, before it takes a database connection.
// Concurrent writes to one row would only queue on the row's lock while each holds a pooled connection: a burst
// for one hot account then starves every other caller of connections. Here the burst waits in memory, bounded:
// past `maxWaiting` a caller is refused at once with a retryable error instead of waiting for a timeout.
// Across all keys, `maxQueued` bounds the calls in the queue at all (running or waiting): past it a new call is
// refused at once (`overload`), so overload shows as fast refusals instead of a queue whose callers gave up long ago.
import assert from 'node:assert/strict';
import { DomainError } from './errors.ts';
import { commonReasons } from './reasons.ts';

interface Lane {
  /** Calls running or waiting on this key. */
  queued: number;
  /** Settles when the last call queued so far is done. */
  tail: Promise<void>;
}

export interface KeyQueueOptions {
  /** Calls that may wait behind the running one, per key. */
  readonly maxWaiting: number;
  /** The error for a call refused because its key's queue is full (kind resource_exhausted or unavailable). */
  readonly refusal: () => DomainError;
  /** Calls running or waiting across all keys; beyond it `overload` refuses new ones. Default: no bound. */
  readonly maxQueued?: number;
  /** The error for a call refused because `maxQueued` calls are queued (kind resource_exhausted). */
  readonly overload?: () => DomainError;
}

export class KeyQueue {
  readonly #lanes = new Map<string, Lane>();
  readonly #options: KeyQueueOptions;
  #waiting = 0;
  #queued = 0;

  constructor(options: KeyQueueOptions) {
    assert.ok(Number.isInteger(options.maxWaiting) && options.maxWaiting >= 0, 'maxWaiting must be a whole number');
    const { maxQueued, overload } = options;
    if (maxQueued !== undefined) {
      assert.ok(Number.isInteger(maxQueued) && maxQueued >= 1, 'maxQueued must be a whole number >= 1');
      assert.ok(overload !== undefined, 'maxQueued needs an overload error');
    }
    this.#options = options;
  }

  /** Calls running or waiting across all keys: a gauge for the operator. */
  get queued(): number {
    return this.#queued;
  }

  /** Calls waiting (not running) across all keys: a gauge for the operator. */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Runs `work` once every earlier call on `key` is done. A call whose caller's deadline passed while it waited is
   * dropped without running (deadline_exceeded): nobody would read its answer.
   */
  async run<T>(key: string, work: () => Promise<T>, deadlineMs = Number.POSITIVE_INFINITY): Promise<T> {
    const lane = this.#lanes.get(key) ?? { queued: 0, tail: Promise.resolve() };
    if (lane.queued > this.#options.maxWaiting) throw this.#options.refusal();
    const { maxQueued, overload } = this.#options;
    if (maxQueued !== undefined && overload !== undefined && this.#queued >= maxQueued) throw overload();
    if (lane.queued === 0) this.#lanes.set(key, lane);
    const previous = lane.tail;
    let done: () => void = () => undefined;
    lane.tail = new Promise((resolve) => {
      done = resolve;
    });
    lane.queued++;
    this.#queued++;
    this.#waiting++;
    try {
      await previous;
      this.#waiting--;
      if (Date.now() >= deadlineMs)
        throw new DomainError(
          'deadline_exceeded',
          commonReasons.DEADLINE_EXCEEDED,
          'the deadline passed while waiting for this account',
        );
      return await work();
    } finally {
      lane.queued--;
      this.#queued--;
      if (lane.queued === 0) this.#lanes.delete(key);
      done();
    }
  }
}
