// The last few events of each resident (time and place) in a fixed ring: a burst or a jump across the city is seen
// without keeping history. All residents' rings share one array, a row of doubles each. A ring keeps the newest
// events by time, not by arrival: an event arriving late (a fare settled after its tap, another wallet instance's
// outcome) takes the oldest slot, or is dropped when it is older than every kept one, so the same events in any
// order leave the same ring.
import { withRoom } from './rows.ts';

export const recentCapacity = 5;
/** A row: the times, xKm and yKm of the ring's events (NaN: none). */
const atMsAt = 0;
const xKmAt = recentCapacity;
const yKmAt = 2 * recentCapacity;
const width = 3 * recentCapacity;
const emptyRow = new Float64Array(width).fill(Number.NaN);

export class RecentEvents {
  private data = new Float64Array(0);

  /** Gives `row` an empty ring. */
  start(row: number): void {
    this.data = withRoom(this.data, (row + 1) * width);
    this.data.set(emptyRow, row * width);
  }

  add(row: number, atMs: number, xKm: number, yKm: number): void {
    const base = row * width;
    const slot = this.oldestSlot(row);
    const oldestAtMs = this.data[base + atMsAt + slot] ?? Number.NaN;
    if (atMs < oldestAtMs) return;
    this.data[base + atMsAt + slot] = atMs;
    this.data[base + xKmAt + slot] = xKm;
    this.data[base + yKmAt + slot] = yKm;
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
    const base = row * width + atMsAt;
    let newest = Number.NaN;
    for (let slot = 0; slot < recentCapacity; slot += 1) {
      const time = this.data[base + slot] ?? Number.NaN;
      if (!Number.isNaN(time) && !(time <= newest)) newest = time;
    }
    return newest;
  }

  /** The newest kept event that had a place, as [atMs, xKm, yKm]; undefined when none had one. */
  lastPlaced(row: number): readonly [number, number, number] | undefined {
    const base = row * width;
    let newest = -1;
    for (let slot = 0; slot < recentCapacity; slot += 1) {
      if (Number.isNaN(this.data[base + xKmAt + slot] ?? Number.NaN)) continue;
      if (newest < 0 || (this.data[base + atMsAt + slot] ?? 0) > (this.data[base + atMsAt + newest] ?? 0))
        newest = slot;
    }
    if (newest < 0) return undefined;
    return [
      this.data[base + atMsAt + newest] ?? 0,
      this.data[base + xKmAt + newest] ?? 0,
      this.data[base + yKmAt + newest] ?? 0,
    ];
  }

  clear(): void {
    this.data = new Float64Array(0);
  }

  /** An empty slot of `row`, else the one of its oldest event (the first of equals, so ties keep arrival order). */
  private oldestSlot(row: number): number {
    const base = row * width + atMsAt;
    let oldest = 0;
    for (let slot = 0; slot < recentCapacity; slot += 1) {
      const time = this.data[base + slot] ?? Number.NaN;
      if (Number.isNaN(time)) return slot;
      if (time < (this.data[base + oldest] ?? 0)) oldest = slot;
    }
    return oldest;
  }
}
