// The last few events of each resident (time and place) in a fixed ring: a burst or a jump across the city is seen
// without keeping history. All residents' rings share one array, a row of doubles each.
import { withRoom } from './rows.ts';

export const recentCapacity = 5;
/** A row: the times, xKm and yKm of the ring's events (NaN: none), then the slot written next. */
const atMsAt = 0;
const xKmAt = recentCapacity;
const yKmAt = 2 * recentCapacity;
const nextAt = 3 * recentCapacity;
const width = nextAt + 1;
const emptyRow = new Float64Array(width).fill(Number.NaN).fill(0, nextAt);

export class RecentEvents {
  private data = new Float64Array(0);

  /** Gives `row` an empty ring. */
  start(row: number): void {
    this.data = withRoom(this.data, (row + 1) * width);
    this.data.set(emptyRow, row * width);
  }

  add(row: number, atMs: number, xKm: number, yKm: number): void {
    const base = row * width;
    const next = this.data[base + nextAt] ?? 0;
    this.data[base + atMsAt + next] = atMs;
    this.data[base + xKmAt + next] = xKm;
    this.data[base + yKmAt + next] = yKm;
    this.data[base + nextAt] = (next + 1) % recentCapacity;
  }

  /** How many of the kept events happened within `windowMs` before `atMs`. */
  countWithin(row: number, atMs: number, windowMs: number): number {
    const base = row * width + atMsAt;
    let count = 0;
    for (let slot = 0; slot < recentCapacity; slot += 1)
      if (atMs - (this.data[base + slot] ?? Number.NaN) <= windowMs) count += 1;
    return count;
  }

  lastAtMs(row: number): number {
    return this.data[row * width + atMsAt + this.slotBack(row, 1)] ?? Number.NaN;
  }

  /** The newest kept event that had a place, as [atMs, xKm, yKm]; undefined when none had one. */
  lastPlaced(row: number): readonly [number, number, number] | undefined {
    const base = row * width;
    for (let step = 1; step <= recentCapacity; step += 1) {
      const slot = this.slotBack(row, step);
      const xKm = this.data[base + xKmAt + slot] ?? Number.NaN;
      if (!Number.isNaN(xKm)) return [this.data[base + atMsAt + slot] ?? 0, xKm, this.data[base + yKmAt + slot] ?? 0];
    }
    return undefined;
  }

  clear(): void {
    this.data = new Float64Array(0);
  }

  /** The slot `step` events back (1: the newest). */
  private slotBack(row: number, step: number): number {
    return ((this.data[row * width + nextAt] ?? 0) + recentCapacity - step) % recentCapacity;
  }
}
