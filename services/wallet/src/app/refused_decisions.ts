// Risk decisions that made no hold (declines, step-ups), kept in memory until workers/risk_decisions_flush.ts writes
// them in one statement about once a second: a storm of declines costs no connection of its own. Bounded: past
// `maxPending` a decision is dropped (counted) rather than kept; a crash loses at most one interval's.
import type { RiskDecisionRecord } from './store.ts';

export const maxPendingRefusals = 10_000;

export class RefusedDecisions {
  #pending: RiskDecisionRecord[] = [];
  #dropped = 0;

  add(record: RiskDecisionRecord): void {
    if (this.#pending.length >= maxPendingRefusals) this.#dropped++;
    else this.#pending.push(record);
  }

  /** What waits, and how many were dropped since the last take; both start again. */
  take(): { readonly records: RiskDecisionRecord[]; readonly dropped: number } {
    const taken = { records: this.#pending, dropped: this.#dropped };
    this.#pending = [];
    this.#dropped = 0;
    return taken;
  }

  /** Records a failed write could not store: kept for the next, as room allows. */
  giveBack(records: readonly RiskDecisionRecord[]): void {
    for (const record of records) this.add(record);
  }
}
