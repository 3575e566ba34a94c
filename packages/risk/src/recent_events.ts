// The last few events of one resident (time, amount, place) in a fixed ring: a burst or a jump across the city is
// seen without keeping history. The ring keeps the newest events by time, not by arrival: an event arriving late
// (a fare settled after its tap, another wallet instance's outcome) takes the oldest slot, or is dropped when it is
// older than every kept one, so the same events in any order leave the same ring.

export const recentCapacity = 5;

export class RecentEvents {
  private readonly atMs = new Float64Array(recentCapacity).fill(Number.NaN);
  private readonly amounts = new Float64Array(recentCapacity);
  private readonly xKm = new Float64Array(recentCapacity).fill(Number.NaN);
  private readonly yKm = new Float64Array(recentCapacity).fill(Number.NaN);

  add(atMs: number, amount: number, xKm: number, yKm: number): void {
    const slot = this.oldestSlot();
    const oldestAtMs = this.atMs[slot] ?? Number.NaN;
    if (atMs < oldestAtMs) return;
    this.atMs[slot] = atMs;
    this.amounts[slot] = amount;
    this.xKm[slot] = xKm;
    this.yKm[slot] = yKm;
  }

  /** How many of the kept events happened within `windowMs` before `atMs`. */
  countWithin(atMs: number, windowMs: number): number {
    let count = 0;
    for (const time of this.atMs) if (atMs - time <= windowMs) count += 1;
    return count;
  }

  lastAtMs(): number {
    let newest = Number.NaN;
    for (const time of this.atMs) if (!Number.isNaN(time) && !(time <= newest)) newest = time;
    return newest;
  }

  /** The newest kept event that had a place, as [atMs, xKm, yKm]; undefined when none had one. */
  lastPlaced(): readonly [number, number, number] | undefined {
    let newest = -1;
    for (let index = 0; index < recentCapacity; index += 1) {
      if (Number.isNaN(this.xKm[index] ?? Number.NaN)) continue;
      if (newest < 0 || (this.atMs[index] ?? 0) > (this.atMs[newest] ?? 0)) newest = index;
    }
    return newest < 0 ? undefined : [this.atMs[newest] ?? 0, this.xKm[newest] ?? 0, this.yKm[newest] ?? 0];
  }

  /** An empty slot, else the one of the oldest event (the first of equals, so ties keep arrival order). */
  private oldestSlot(): number {
    let oldest = 0;
    for (let index = 0; index < recentCapacity; index += 1) {
      const time = this.atMs[index] ?? Number.NaN;
      if (Number.isNaN(time)) return index;
      if (time < (this.atMs[oldest] ?? 0)) oldest = index;
    }
    return oldest;
  }
}
