// One credential's last gate taps (time, place, and how fast it had to move to make each) and the stations it used
// in the last thirty days: what a gate system knows from taps alone. A copy of the credential riding elsewhere shows
// as a tap that no metro ride could reach from the credential's recent taps, at a station it does not use.
import { feature as f } from './features.ts';
import type { Place } from './event.ts';
import { withinHorizon } from './horizon.ts';
import { IdRows, ListPool, withRoom } from './rows.ts';

/** Taps kept per credential. */
export const tapHistoryCapacity = 4;
/** Taps older than this are not compared with a new one (for reach; the last tap is read within the horizon). */
export const recentTapWindowMs = 3 * 3_600_000;
/** Stations remembered per credential; the least recently used is forgotten first. */
export const maxStationsRemembered = 32;

/** A row: the kept taps' times (NaN: none), xKm, yKm and reach speeds, then the slot written next. */
const atMsAt = 0;
const xKmAt = tapHistoryCapacity;
const yKmAt = 2 * tapHistoryCapacity;
const reachAt = 3 * tapHistoryCapacity;
const nextAt = 4 * tapHistoryCapacity;
const width = nextAt + 1;
const emptyRow = new Float64Array(width).fill(Number.NaN, atMsAt, xKmAt);

/** Every resident's tap history, a row each; the stations each used, a list each (most use a handful). */
export class TapHistory {
  private data = new Float64Array(0);
  /** Each resident's first station cell (-1: none) and how many stations it remembers. */
  private stationHeads = new Int32Array(0);
  private stationCounts = new Uint8Array(0);
  private readonly stations = new ListPool();
  /** The last tap at each station cell's station. */
  private stationAtMs = new Float64Array(0);
  private readonly stationRows = new IdRows();

  /** Gives `row` an empty history, freeing the stations it had. */
  start(row: number): void {
    this.data = withRoom(this.data, (row + 1) * width);
    this.data.set(emptyRow, row * width);
    this.stationHeads = withRoom(this.stationHeads, row + 1, -1);
    this.stations.removeOlder(this.stationHeads[row] ?? -1, this.stationAtMs, Number.POSITIVE_INFINITY);
    this.stationHeads[row] = -1;
    this.stationCounts = withRoom(this.stationCounts, row + 1);
    this.stationCounts[row] = 0;
  }

  /** Forgets the stations `row` last used before `beforeMs` (they are new again by then). */
  prune(row: number, beforeMs: number): void {
    const head = this.stations.removeOlder(this.stationHeads[row] ?? -1, this.stationAtMs, beforeMs);
    this.stationHeads[row] = head;
    this.stationCounts[row] = this.stations.length(head);
  }

  /**
   * Fills the gate-tap features of a tap at `place` (the last tap's distance and speed, reach, new station), judged
   * against the kept taps up to `atMs` only: a fare scored at settlement, after the journey's later taps were
   * learned, is compared with the taps before it (a later tap would read as a ride back in time), and the last tap
   * only within the horizon (horizon.ts).
   */
  features(row: number, atMs: number, place: Place, stationId: string | null, out: Float64Array): void {
    const base = row * width;
    let last = -1;
    for (let slot = 0; slot < tapHistoryCapacity; slot += 1) {
      const tapAtMs = this.data[base + atMsAt + slot] ?? Number.NaN;
      if (!(tapAtMs <= atMs && withinHorizon(tapAtMs, atMs))) continue;
      if (last === -1 || tapAtMs > (this.data[base + atMsAt + last] ?? 0)) last = slot;
    }
    if (last !== -1) {
      const distanceKm = Math.hypot(
        place.xKm - (this.data[base + xKmAt + last] ?? 0),
        place.yKm - (this.data[base + yKmAt + last] ?? 0),
      );
      out[f.tap_distance_km] = distanceKm;
      out[f.tap_speed_kmh] = speedKmh(distanceKm, atMs - (this.data[base + atMsAt + last] ?? 0));
    }
    let reach = 0;
    let recentMax = 0;
    for (let slot = 0; slot < tapHistoryCapacity; slot += 1) {
      const elapsedMs = atMs - (this.data[base + atMsAt + slot] ?? Number.NaN);
      if (!(elapsedMs >= 0 && elapsedMs <= recentTapWindowMs)) continue;
      const distanceKm = Math.hypot(
        place.xKm - (this.data[base + xKmAt + slot] ?? 0),
        place.yKm - (this.data[base + yKmAt + slot] ?? 0),
      );
      reach = Math.max(reach, speedKmh(distanceKm, elapsedMs));
      recentMax = Math.max(recentMax, this.data[base + reachAt + slot] ?? 0);
    }
    out[f.tap_reach_speed_kmh] = reach;
    out[f.tap_recent_max_reach_speed_kmh] = recentMax;
    out[f.tap_station_new] = stationId !== null && this.isNewStation(row, stationId, atMs) ? 1 : 0;
  }

  record(row: number, atMs: number, place: Place, stationId: string | null): void {
    const reach = this.reachSpeedKmh(row, atMs, place);
    const base = row * width;
    const next = this.data[base + nextAt] ?? 0;
    this.data[base + atMsAt + next] = atMs;
    this.data[base + xKmAt + next] = place.xKm;
    this.data[base + yKmAt + next] = place.yKm;
    this.data[base + reachAt + next] = reach;
    this.data[base + nextAt] = (next + 1) % tapHistoryCapacity;
    if (stationId !== null) this.useStation(row, this.stationRows.add(stationId).row, atMs);
  }

  /** The newest kept tap (the last recorded) as [atMs, xKm, yKm]; undefined before the first. */
  lastTap(row: number): readonly [number, number, number] | undefined {
    const base = row * width;
    const last = this.slotBack(row, 1);
    const atMs = this.data[base + atMsAt + last] ?? Number.NaN;
    return Number.isNaN(atMs)
      ? undefined
      : [atMs, this.data[base + xKmAt + last] ?? 0, this.data[base + yKmAt + last] ?? 0];
  }

  clear(): void {
    this.data = new Float64Array(0);
    this.stationHeads = new Int32Array(0);
    this.stationCounts = new Uint8Array(0);
    this.stations.clear();
    this.stationAtMs = new Float64Array(0);
    this.stationRows.clear();
  }

  /**
   * Marks `station` used at `atMs`: a known one is updated where it stands, a new one appended, and past
   * maxStationsRemembered the least recently used (the first of equals in the list's order) gives its cell up.
   */
  private useStation(row: number, station: number, atMs: number): void {
    const head = this.stationHeads[row] ?? -1;
    let cell = this.stations.find(head, station);
    if (cell === -1 && (this.stationCounts[row] ?? 0) < maxStationsRemembered) {
      cell = this.stations.append(this.stations.last(head), station);
      if (head === -1) this.stationHeads[row] = cell;
      this.stationCounts[row] = (this.stationCounts[row] ?? 0) + 1;
      this.stationAtMs = withRoom(this.stationAtMs, this.stations.capacity);
    } else if (cell === -1) {
      cell = head;
      for (let other = head; other !== -1; other = this.stations.next[other] ?? -1)
        if ((this.stationAtMs[other] ?? 0) < (this.stationAtMs[cell] ?? 0)) cell = other;
      this.stations.values[cell] = station;
    }
    this.stationAtMs[cell] = atMs;
  }

  /** The highest speed needed to reach `place` at `atMs` from any kept tap of the last three hours. */
  private reachSpeedKmh(row: number, atMs: number, place: Place): number {
    const base = row * width;
    let highest = 0;
    for (let slot = 0; slot < tapHistoryCapacity; slot += 1) {
      const tapAtMs = this.data[base + atMsAt + slot] ?? Number.NaN;
      if (!(atMs - tapAtMs >= 0 && atMs - tapAtMs <= recentTapWindowMs)) continue;
      const distanceKm = Math.hypot(
        place.xKm - (this.data[base + xKmAt + slot] ?? 0),
        place.yKm - (this.data[base + yKmAt + slot] ?? 0),
      );
      highest = Math.max(highest, speedKmh(distanceKm, atMs - tapAtMs));
    }
    return highest;
  }

  private isNewStation(row: number, stationId: string, atMs: number): boolean {
    const station = this.stationRows.rowOf(stationId);
    const cell = station === -1 ? -1 : this.stations.find(this.stationHeads[row] ?? -1, station);
    return cell === -1 || !withinHorizon(this.stationAtMs[cell] ?? 0, atMs);
  }

  /** The slot `step` taps back (1: the newest). */
  private slotBack(row: number, step: number): number {
    return ((this.data[row * width + nextAt] ?? 0) + tapHistoryCapacity - step) % tapHistoryCapacity;
  }
}

/** Kilometres per hour over `elapsedMs`, counting anything under a minute as a minute. */
export function speedKmh(distanceKm: number, elapsedMs: number): number {
  return distanceKm / (Math.max(elapsedMs, 60_000) / 3_600_000);
}
