// Holds this wallet process authorized, as it authorized them, so that their capture or void needs no read of the
// hold first (a statement per pair, and under load a pooled connection per request in flight). What such a
// capture or void takes from the hold is what an authorization fixes for good (resident, amounts, payee, payer,
// times, reference); the fields it can change (status, captured and refunded amounts) the capture and the void
// set themselves, and the database refuses either unless the hold is still pending. So a hold as authorized gives
// the same statement and answer as the hold as read, whatever happened to it since. A hold not found here (another
// process authorized it, it was forgotten, or taken by an earlier capture or void) is read as before.
import type { Hold } from '@citypass/proto/wallet/v1/wallet';

export class RecentHolds {
  readonly #holds = new Map<string, Hold>();
  /**
   * The ids in the order remembered, as a ring: the slot the next hold takes holds the oldest id, forgotten then
   * (if not taken already). Not the Map's own first key: after many deletes at its front, V8 walks past every
   * deleted slot to find it until the table is next rebuilt: 0.8-1.5 us a remember with 2,000 kept, against
   * 0.13 us with the ring (a loop of 200,000 of each; it showed in a profile of the risk bench, whose holds are
   * never captured).
   */
  readonly #order: (string | undefined)[];
  #next = 0;

  /** `capacity`: the most holds kept; past it the oldest is forgotten. */
  constructor(capacity: number) {
    this.#order = new Array<string | undefined>(capacity).fill(undefined);
  }

  /** A pending hold just committed by this process's authorization. */
  remember(hold: Hold): void {
    const oldest = this.#order[this.#next];
    if (oldest !== undefined) this.#holds.delete(oldest);
    this.#order[this.#next] = hold.holdId;
    this.#next = (this.#next + 1) % this.#order.length;
    this.#holds.set(hold.holdId, hold);
  }

  /** The hold of `service` as authorized, forgotten here (its capture or void changes it); else undefined. */
  take(service: string, holdId: string): Hold | undefined {
    const hold = this.#holds.get(holdId);
    if (hold === undefined || hold.service !== service) return undefined;
    this.#holds.delete(holdId);
    return hold;
  }
}
