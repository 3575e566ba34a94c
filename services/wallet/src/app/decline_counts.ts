// Declined authorizations, counted for operators (ListDeclines, the console's "declines by reason"). A decline
// costs a map update here and nothing in the database: each wallet process adds what it counted since the last
// time in one statement (workers/decline_flush.ts), so a storm of declines (a busy account, a revoked credential
// tried again and again) never takes connections from the charges that succeed. A crash loses at most the counts
// of one interval; a failed write keeps them for the next.
import type { DeclineCount } from './store.ts';

/** Distinct (day, service, reason) keys kept between writes; past it a decline is counted in `dropped` only. */
const maxKeys = 10_000;

export class DeclineCounter {
  #counts = new Map<string, DeclineCount>();
  #dropped = 0;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  count(service: string, reason: string): void {
    this.#add({ day: new Date(this.#now()).toISOString().slice(0, 10), service, reason, count: 1n });
  }

  /** What was counted since the last take, and how many declines found no room; the counter starts again. */
  take(): { counts: DeclineCount[]; dropped: number } {
    const taken = { counts: [...this.#counts.values()], dropped: this.#dropped };
    this.#counts = new Map();
    this.#dropped = 0;
    return taken;
  }

  /** Counts a failed write could not add: they are added with the next. */
  giveBack(counts: readonly DeclineCount[]): void {
    for (const each of counts) this.#add(each);
  }

  #add(counted: DeclineCount): void {
    const key = `${counted.day}\u0000${counted.service}\u0000${counted.reason}`;
    const held = this.#counts.get(key);
    if (held === undefined && this.#counts.size >= maxKeys) {
      this.#dropped += Number(counted.count);
      return;
    }
    this.#counts.set(key, { ...counted, count: (held?.count ?? 0n) + counted.count });
  }
}
