// Answers to recent online taps by tap id, per transit instance (bounded; a gate's retry comes within seconds, to
// this instance or, through the database, to another). A tap id is answered again only for the same request from
// the same gate client: presentation, gate and direction.
import type { TapResponse } from '@citypass/proto/transit/v1/transit';

export interface TapRequestKey {
  readonly presentation: string;
  readonly gateId: string;
  readonly gateClient: string;
  readonly direction: string;
}

type Entry = TapRequestKey & { readonly answer: Promise<TapResponse> };

export class TapAnswers {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;

  constructor(maxEntries = 20_000) {
    this.#maxEntries = maxEntries;
  }

  /** The first answer for a repeat, 'reused' for the tap id with another request, undefined for a new tap id. */
  lookup(tapId: string, key: TapRequestKey): Promise<TapResponse> | 'reused' | undefined {
    const entry = this.#entries.get(tapId);
    if (entry === undefined) return undefined;
    const same =
      entry.presentation === key.presentation &&
      entry.gateId === key.gateId &&
      entry.gateClient === key.gateClient &&
      entry.direction === key.direction;
    return same ? entry.answer : 'reused';
  }

  remember(tapId: string, key: TapRequestKey, answer: Promise<TapResponse>): void {
    const entry = { ...key, answer };
    this.#entries.set(tapId, entry);
    // A failed call is not an answer: the retry decides again.
    answer.catch(() => {
      if (this.#entries.get(tapId) === entry) this.#entries.delete(tapId);
    });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }
}
