// Holds this wallet process authorized, as it authorized them, so that their capture or void needs no read of the
// hold first (a statement per pair, and under load a pooled connection per request in flight). What such a
// capture or void takes from the hold is what an authorization fixes for good (resident, amounts, payee, payer,
// times, reference); the fields it can change (status, captured and refunded amounts) the capture and the void
// set themselves, and the database refuses either unless the hold is still pending. So a hold as authorized gives
// the same statement and answer as the hold as read, whatever happened to it since. A hold not found here (another
// process authorized it, it was forgotten, or taken by an earlier capture or void) is read as before.
import { BoundedMap } from '@citypass/platform/bounded_map';
import type { Hold } from '@citypass/proto/wallet/v1/wallet';

export class RecentHolds {
  readonly #holds: BoundedMap<string, Hold>;

  /** `capacity`: the most holds kept; past it the oldest is forgotten. */
  constructor(capacity: number) {
    this.#holds = new BoundedMap(capacity);
  }

  /** A pending hold just committed by this process's authorization. */
  remember(hold: Hold): void {
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
