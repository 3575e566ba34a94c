// How long the engine remembers. Every fact a feature reads has a horizon: a fact older than `factHorizonMs` before
// the event being scored is read as never seen (a resident, device, merchant or resident x merchant pair unseen for
// thirty days is new again; a device or a resident not seen together for thirty days is not counted; counters idle
// that long read zero). The wallet rebuilds its state from the last thirty days of decisions (replayWindowMs), so
// with this horizon a rebuilt instance reads what a long-running one reads. An entity none of whose facts can be read
// any more is evicted (state.ts): memory holds the residents active within the horizon, not every one that ever paid.

export const factHorizonMs = 30 * 86_400_000;
/**
 * How late (in event time, behind the newest event recorded) an event may arrive and still read exactly what it
 * would have read had nothing been evicted: a fare scored at settlement after later taps, another wallet instance's
 * outcome. Eviction waits this long past the horizon.
 */
export const lateEventGraceMs = 86_400_000;
/** merchant_age_days counts up to this: enough for a rule asking "older than a day", the same after a rebuild. */
export const merchantAgeCapDays = 7;

/** Whether a fact last seen at `seenAtMs` is still read by an event at `atMs` (a later fact always is). */
export function withinHorizon(seenAtMs: number, atMs: number): boolean {
  return atMs - seenAtMs <= factHorizonMs;
}
