// Authorizations counted for operators: declines per day, service and reason (ListDeclines, the console's "declines
// by reason"), approvals per service (the console's live authorizations a minute, never stored). Counting costs a
// map update here and nothing in the database: each wallet process adds the declines it counted since the last
// time in one statement (workers/authorization_counts_flush.ts), so a storm of declines (a busy account, a revoked
// credential tried again and again) never takes connections from the charges that succeed. A crash loses at most
// one interval's counts; a failed write keeps them for the next.
import type { DeclineCount } from './store.ts';

/** Distinct (day, service, reason) or service keys kept between writes; past it a count goes to `dropped` only. */
const maxKeys = 10_000;

export interface CountedAuthorizations {
  readonly declines: DeclineCount[];
  readonly approved: { readonly service: string; readonly count: bigint }[];
  /** Authorizations that found no room in the counter. */
  readonly dropped: number;
}

export class AuthorizationCounter {
  #declines = new Map<string, DeclineCount>();
  #approved = new Map<string, bigint>();
  #dropped = 0;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  approved(service: string): void {
    const held = this.#approved.get(service);
    if (held === undefined && this.#approved.size >= maxKeys) this.#dropped++;
    else this.#approved.set(service, (held ?? 0n) + 1n);
  }

  declined(service: string, reason: string): void {
    this.#addDecline({ day: new Date(this.#now()).toISOString().slice(0, 10), service, reason, count: 1n });
  }

  /** What was counted since the last take; the counter starts again. */
  take(): CountedAuthorizations {
    const taken = {
      declines: [...this.#declines.values()],
      approved: [...this.#approved].map(([service, count]) => ({ service, count })),
      dropped: this.#dropped,
    };
    this.#declines = new Map();
    this.#approved = new Map();
    this.#dropped = 0;
    return taken;
  }

  /** Declines a failed write could not add: they are added with the next. */
  giveBack(declines: readonly DeclineCount[]): void {
    for (const each of declines) this.#addDecline(each);
  }

  #addDecline(counted: DeclineCount): void {
    const key = `${counted.day}\u0000${counted.service}\u0000${counted.reason}`;
    const held = this.#declines.get(key);
    if (held === undefined && this.#declines.size >= maxKeys) {
      this.#dropped += Number(counted.count);
      return;
    }
    this.#declines.set(key, { ...counted, count: (held?.count ?? 0n) + counted.count });
  }
}
