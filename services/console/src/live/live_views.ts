// What the live views show, kept in this process's memory only (the console has no data of its own): rolling
// per-minute figures of the city and the latest gate taps. Fed by nats_feed.ts; read by the pages, which are told
// when something changed (each SSE stream a listener, at most `maxListeners`). Times are the console's own clock.
import { PerMinute } from './per_minute.ts';

/** How many whole minutes the charts show besides the current one. */
export const windowMinutes = 15;
const latestTapsKept = 50;
/** Distinct decline reasons kept; a new one past it is counted under "other". */
const maxReasons = 50;
const maxListeners = 200;

export interface LiveTap {
  readonly receivedAtMs: number;
  readonly decidedAt: string;
  readonly gateId: string;
  readonly stationId: string;
  readonly direction: string;
  readonly decision: string;
  readonly reason: string;
  /** Decided by an offline gate and uploaded later: `decidedAt` is its tap time, not when the console heard of it. */
  readonly offline: boolean;
}

export class LiveViews {
  readonly taps = new PerMinute(windowMinutes);
  readonly tapsDenied = new PerMinute(windowMinutes);
  readonly authorizations = new PerMinute(windowMinutes);
  /** Declines per reason, `gate: <reason>` for taps, `wallet: <reason>` for authorizations. */
  readonly declines = new Map<string, PerMinute>();
  readonly settlementBacklog = new PerMinute(windowMinutes);
  readonly revocationLagMs = new PerMinute(windowMinutes);
  #latestTaps: LiveTap[] = [];
  readonly #listeners = new Set<() => void>();
  readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** The newest first. */
  get latestTaps(): readonly LiveTap[] {
    return this.#latestTaps;
  }

  tapDecided(tap: Omit<LiveTap, 'receivedAtMs'>): void {
    const atMs = this.now();
    // The per-minute charts count taps as they happen; an offline gate's upload brings older ones in a burst, so
    // those are listed in the feed only.
    if (!tap.offline) {
      this.taps.add(atMs);
      if (tap.decision === 'DENY') {
        this.tapsDenied.add(atMs);
        this.#decline(`gate: ${tap.reason}`, atMs, 1);
      }
    }
    this.#latestTaps = [{ ...tap, receivedAtMs: atMs }, ...this.#latestTaps].slice(0, latestTapsKept);
    this.#changed();
  }

  authorizationsCounted(approved: number, declines: readonly { reason: string; count: number }[]): void {
    const atMs = this.now();
    this.authorizations.add(atMs, approved + declines.reduce((sum, each) => sum + each.count, 0));
    for (const { reason, count } of declines) this.#decline(`wallet: ${reason}`, atMs, count);
    this.#changed();
  }

  settlementBacklogMeasured(ridersDue: number): void {
    this.settlementBacklog.observe(this.now(), ridersDue);
    this.#changed();
  }

  /** A revocation's event arrived: `revokedAtMs` is when identity revoked it. */
  revocationSeen(revokedAtMs: number): void {
    const atMs = this.now();
    this.revocationLagMs.observe(atMs, Math.max(0, atMs - revokedAtMs));
    this.#changed();
  }

  /** Calls `listener` after each change; returns the way to stop, or undefined when too many listen already. */
  listen(listener: () => void): (() => void) | undefined {
    if (this.#listeners.size >= maxListeners) return undefined;
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #decline(reason: string, atMs: number, count: number): void {
    const key = this.declines.has(reason) || this.declines.size < maxReasons ? reason : 'other';
    let series = this.declines.get(key);
    if (series === undefined) {
      series = new PerMinute(windowMinutes);
      this.declines.set(key, series);
    }
    series.add(atMs, count);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}
