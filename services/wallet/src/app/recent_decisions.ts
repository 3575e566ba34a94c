// The risk decisions of the last idempotency keys, in memory: a repeat of a request (a retry after a timeout, an
// idempotency storm) gets the decision its first call got instead of being scored, and counted, again, so a retry
// of an approved payment is not refused by the counters its own first call raised. Bounded: the oldest key is
// forgotten first; a repeat older than that is scored anew (and the ledger still answers it from its first result).
// Each key also remembers what the engine recorded of its outcome, so a repeat does not record it twice.
// Each key keeps a SHA-256 digest of its request, not the request: a presentation makes a request ~1.1 KB, and
// 10,000 of them were 11 MB of the wallet's memory under bench/wallet_charges.ts for a comparison 32 bytes decide.
// Once a key's payment committed, its decision is let go too: a repeat is answered by the ledger from its first
// result and writes nothing, so it needs none. Kept until the answer, a decision (its event, reasons, the event's
// JSON: ~1.5 KB) dies young; kept for the last 10,000 keys, every one outlived the young generation, was copied
// into the old one and then collected there, and the 10,000 held ~15 MB of the wallet's heap.
import { BoundedMap } from '@citypass/platform/bounded_map';
import type { IdempotencyKey, RiskDecisionRecord } from './store.ts';

export const maxRecentDecisions = 10_000;

/** What the engine recorded of a key's payment: nothing yet, a refused attempt, or the payment. */
export type RecordedOutcome = 'none' | 'attempt' | 'approved';

interface Held {
  readonly requestDigest: string;
  /** Undefined once the payment committed. */
  record: RiskDecisionRecord | undefined;
  recorded: RecordedOutcome;
}

/** What a repeat of a key with the same request gets: the first decision, or 'committed' once its payment was. */
export type FirstDecision = RiskDecisionRecord | 'committed';

export class RecentDecisions {
  readonly #byKey = new BoundedMap<string, Held>(maxRecentDecisions);

  /**
   * The first decision for this key and the same request, or 'committed' when its payment committed; undefined for
   * a new key or another request.
   */
  get(key: IdempotencyKey): FirstDecision | undefined {
    const held = this.#byKey.get(keyOf(key));
    if (held === undefined || held.requestDigest !== digestOf(key)) return undefined;
    return held.record ?? 'committed';
  }

  set(key: IdempotencyKey, record: RiskDecisionRecord): void {
    const id = keyOf(key);
    if (this.#byKey.has(id)) return;
    this.#byKey.set(id, { requestDigest: digestOf(key), record, recorded: 'none' });
  }

  /**
   * Whether the engine should record `outcome` for this key now, noting it when so: a refused attempt only when
   * nothing was recorded yet, the payment unless it was already. A key not held (forgotten, or another request)
   * records.
   */
  claimRecording(key: IdempotencyKey, outcome: Exclude<RecordedOutcome, 'none'>): boolean {
    const held = this.#byKey.get(keyOf(key));
    if (held === undefined || held.requestDigest !== digestOf(key)) return true;
    if (held.recorded === 'approved' || (outcome === 'attempt' && held.recorded === 'attempt')) return false;
    held.recorded = outcome;
    if (outcome === 'approved') held.record = undefined;
    return true;
  }
}

function keyOf(key: IdempotencyKey): string {
  return `${key.operation}\u0000${key.key}`;
}

/** A string in the map: 10,000 small Buffers would weigh more than their digests' text. */
function digestOf(key: IdempotencyKey): string {
  return key.requestDigest.toString('base64url');
}
