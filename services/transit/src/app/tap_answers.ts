// Answers to recent online taps by tap id, per transit instance (bounded; a gate's retry comes within seconds, to
// this instance or, through the database, to another). A tap id is answered again only for the same request from
// the same gate client: presentation, gate and direction. The presentation is kept as its SHA-256 (~1 KB of JWS
// each, 20,000 entries held ~20 MB of a gate instance's memory for a few seconds of retries).
import { createHash } from 'node:crypto';
import { BoundedMap } from '@citypass/platform/bounded_map';
import type { TapResponse } from '@citypass/proto/transit/v1/transit';

export interface TapRequestKey {
  readonly presentation: string;
  readonly gateId: string;
  readonly gateClient: string;
  readonly direction: string;
}

interface Entry {
  readonly presentationDigest: string;
  readonly gateId: string;
  readonly gateClient: string;
  readonly direction: string;
  readonly answer: Promise<TapResponse>;
}

const digestOf = (presentation: string): string => createHash('sha256').update(presentation).digest('base64');

export class TapAnswers {
  readonly #entries: BoundedMap<string, Entry>;

  constructor(maxEntries = 20_000) {
    this.#entries = new BoundedMap(maxEntries);
  }

  /** The first answer for a repeat, 'reused' for the tap id with another request, undefined for a new tap id. */
  lookup(tapId: string, key: TapRequestKey): Promise<TapResponse> | 'reused' | undefined {
    const entry = this.#entries.get(tapId);
    if (entry === undefined) return undefined;
    const same =
      entry.gateId === key.gateId &&
      entry.gateClient === key.gateClient &&
      entry.direction === key.direction &&
      entry.presentationDigest === digestOf(key.presentation);
    return same ? entry.answer : 'reused';
  }

  remember(tapId: string, key: TapRequestKey, answer: Promise<TapResponse>): void {
    const entry: Entry = {
      presentationDigest: digestOf(key.presentation),
      gateId: key.gateId,
      gateClient: key.gateClient,
      direction: key.direction,
      answer,
    };
    this.#entries.set(tapId, entry);
    // A failed call is not an answer: the retry decides again.
    answer.catch(() => {
      if (this.#entries.get(tapId) === entry) this.#entries.delete(tapId);
    });
  }
}
