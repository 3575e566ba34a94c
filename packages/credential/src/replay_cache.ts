// Remembers accepted presentations while they could still be replayed: each nonce until its exp plus clock skew,
// and each device's highest counter until any presentation signed before it has expired too. Bounded: when full
// of live entries it refuses (REPLAY_CACHE_FULL) instead of forgetting, since forgetting would admit replays.
// An accepted presentation is only reserved until its use is recorded: when recording fails (or the use is refused
// after all), release() forgets it, so the same presentation can be presented again.
import { credentialError, credentialReasons } from './errors.ts';
import { ExpiryQueue } from './expiry_queue.ts';
import { maxPresentationTtlSeconds } from './presentation.ts';

export type ReplayCacheOptions = {
  /**
   * Most nonces, and separately most device counters, held at once. Nonces live up to 60 s + 2 x skew and counters
   * 60 s longer, so size it for the peak rate of distinct devices x (120 s + 2 x skew). Default 100,000.
   */
  readonly maxEntries?: number;
  readonly clockSkewMs?: number;
};

export type AcceptedPresentation = {
  readonly nonce: string;
  readonly expiresAtMs: number;
  /** Whose counter this is: the device key thumbprint. */
  readonly counterKey: string;
  readonly counter: number;
};

type CounterEntry = { counter: number; retainUntilMs: number };
/** An accepted nonce: until when it is kept, and the device counter it moved (to undo that on release). */
type NonceEntry = {
  readonly retainUntilMs: number;
  readonly counterKey: string;
  readonly counter: number;
  readonly previousCounter: number;
};

export class ReplayCache {
  readonly #maxEntries: number;
  readonly #clockSkewMs: number;
  readonly #nonces = new Map<string, NonceEntry>();
  readonly #counters = new Map<string, CounterEntry>();
  readonly #nonceExpiries = new ExpiryQueue();
  readonly #counterExpiries = new ExpiryQueue();

  constructor(options: ReplayCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#clockSkewMs = options.clockSkewMs ?? 5_000;
  }

  get nonceCount(): number {
    return this.#nonces.size;
  }

  get counterCount(): number {
    return this.#counters.size;
  }

  /** Checks and records in one synchronous step, so no other verification can interleave between the two. */
  checkAndRecord(presentation: AcceptedPresentation, nowMs: number): void {
    this.#evictExpired(nowMs);
    if (this.#nonces.has(presentation.nonce)) {
      throw credentialError(
        'unauthenticated',
        credentialReasons.PRESENTATION_REPLAYED,
        'presentation was already used',
      );
    }
    const last = this.#counters.get(presentation.counterKey);
    if (last !== undefined && presentation.counter <= last.counter) {
      const message = 'presentation counter is not above the last accepted one';
      throw credentialError('unauthenticated', credentialReasons.COUNTER_NOT_INCREASING, message);
    }
    if (this.#nonces.size >= this.#maxEntries || (last === undefined && this.#counters.size >= this.#maxEntries)) {
      throw credentialError(
        'resource_exhausted',
        credentialReasons.REPLAY_CACHE_FULL,
        'replay cache is full of unexpired presentations',
      );
    }
    const nonceRetainUntilMs = presentation.expiresAtMs + this.#clockSkewMs;
    const { counterKey, counter } = presentation;
    this.#nonces.set(presentation.nonce, {
      retainUntilMs: nonceRetainUntilMs,
      counterKey,
      counter,
      previousCounter: last?.counter ?? Number.NEGATIVE_INFINITY,
    });
    this.#nonceExpiries.push(nonceRetainUntilMs, presentation.nonce);
    // A presentation with a lower counter was signed no later than this one, so it has expired by then.
    const counterRetainUntilMs = nonceRetainUntilMs + maxPresentationTtlSeconds * 1000;
    if (last === undefined) {
      this.#counters.set(presentation.counterKey, {
        counter: presentation.counter,
        retainUntilMs: counterRetainUntilMs,
      });
      this.#counterExpiries.push(counterRetainUntilMs, presentation.counterKey);
    } else {
      last.counter = presentation.counter;
      last.retainUntilMs = Math.max(last.retainUntilMs, counterRetainUntilMs);
    }
  }

  /**
   * Forgets an accepted presentation whose use was not recorded: it may be presented again. The device counter
   * goes back to where it was, unless a later presentation of the device has been accepted since.
   */
  release(presentation: AcceptedPresentation): void {
    const entry = this.#nonces.get(presentation.nonce);
    if (entry === undefined || entry.counterKey !== presentation.counterKey || entry.counter !== presentation.counter)
      return;
    this.#nonces.delete(presentation.nonce);
    const last = this.#counters.get(entry.counterKey);
    if (last !== undefined && last.counter === entry.counter) last.counter = entry.previousCounter;
  }

  #evictExpired(nowMs: number): void {
    while (this.#nonceExpiries.peekDueAtMs() <= nowMs) {
      const nonce = this.#nonceExpiries.pop();
      // Released and accepted again since, it is due at its new time (queued again then).
      const entry = nonce === undefined ? undefined : this.#nonces.get(nonce);
      if (nonce !== undefined && entry !== undefined && entry.retainUntilMs <= nowMs) this.#nonces.delete(nonce);
    }
    while (this.#counterExpiries.peekDueAtMs() <= nowMs) {
      const counterKey = this.#counterExpiries.pop();
      const entry = counterKey === undefined ? undefined : this.#counters.get(counterKey);
      if (counterKey === undefined || entry === undefined) continue;
      // Extended since it was queued: queue it again at its new time (one queue item per counter, always).
      if (entry.retainUntilMs > nowMs) this.#counterExpiries.push(entry.retainUntilMs, counterKey);
      else this.#counters.delete(counterKey);
    }
  }
}
