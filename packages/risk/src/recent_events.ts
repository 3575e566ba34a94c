// The last few events of one resident (time, amount, place) in a fixed ring: a burst or a jump across the city is
// seen without keeping history.

export const recentCapacity = 5;

export class RecentEvents {
  private readonly atMs = new Float64Array(recentCapacity).fill(Number.NaN);
  private readonly amounts = new Float64Array(recentCapacity);
  private readonly xKm = new Float64Array(recentCapacity).fill(Number.NaN);
  private readonly yKm = new Float64Array(recentCapacity).fill(Number.NaN);
  private next = 0;

  add(atMs: number, amount: number, xKm: number, yKm: number): void {
    this.atMs[this.next] = atMs;
    this.amounts[this.next] = amount;
    this.xKm[this.next] = xKm;
    this.yKm[this.next] = yKm;
    this.next = (this.next + 1) % recentCapacity;
  }

  /** How many of the kept events happened within `windowMs` before `atMs`. */
  countWithin(atMs: number, windowMs: number): number {
    let count = 0;
    for (const time of this.atMs) if (atMs - time <= windowMs) count += 1;
    return count;
  }

  lastAtMs(): number {
    return this.atMs[(this.next + recentCapacity - 1) % recentCapacity] ?? Number.NaN;
  }

  /** The newest kept event that had a place, as [atMs, xKm, yKm]; undefined when none had one. */
  lastPlaced(): readonly [number, number, number] | undefined {
    for (let step = 1; step <= recentCapacity; step += 1) {
      const index = (this.next + recentCapacity - step) % recentCapacity;
      const xKm = this.xKm[index] ?? Number.NaN;
      if (!Number.isNaN(xKm)) return [this.atMs[index] ?? 0, xKm, this.yKm[index] ?? 0];
    }
    return undefined;
  }
}
