// One credential's last gate taps (time, place, and how fast it had to move to make each) and the stations it used
// in the last thirty days: what a gate system knows from taps alone. A copy of the credential riding elsewhere shows
// as a tap that no metro ride could reach from the credential's recent taps, at a station it does not use.
import { feature as f } from './features.ts';
import type { Place } from './event.ts';

/** Taps kept per credential. */
export const tapHistoryCapacity = 4;
/** Taps older than this are not compared with a new one. */
export const recentTapWindowMs = 3 * 3_600_000;
/** A station unused for this long is new again. */
export const stationMemoryMs = 30 * 86_400_000;
/** Stations remembered per credential; the least recently used is forgotten first. */
export const maxStationsRemembered = 32;

export class TapHistory {
  private readonly atMs = new Float64Array(tapHistoryCapacity).fill(Number.NaN);
  private readonly xKm = new Float64Array(tapHistoryCapacity);
  private readonly yKm = new Float64Array(tapHistoryCapacity);
  /** Each kept tap's own reach speed, as computed when it was recorded. */
  private readonly reachKmh = new Float64Array(tapHistoryCapacity);
  private next = 0;
  /** The stations used and the last tap at each (most residents use a handful: a scan beats a Map here). */
  private readonly stationIds: string[] = [];
  private readonly stationAtMs = new Float64Array(maxStationsRemembered);

  /**
   * Fills the gate-tap features of a tap at `place` (the last tap's distance and speed, reach, new station), judged
   * against the kept taps up to `atMs` only: a fare scored at settlement, after the journey's later taps were
   * learned, is compared with the taps before it (a later tap would read as a ride back in time).
   */
  features(atMs: number, place: Place, stationId: string | null, out: Float64Array): void {
    let last = -1;
    for (let index = 0; index < tapHistoryCapacity; index += 1) {
      const tapAtMs = this.atMs[index] ?? Number.NaN;
      if (tapAtMs <= atMs && (last === -1 || tapAtMs > (this.atMs[last] ?? 0))) last = index;
    }
    if (last !== -1) {
      const distanceKm = Math.hypot(place.xKm - (this.xKm[last] ?? 0), place.yKm - (this.yKm[last] ?? 0));
      out[f.tap_distance_km] = distanceKm;
      out[f.tap_speed_kmh] = speedKmh(distanceKm, atMs - (this.atMs[last] ?? 0));
    }
    let reach = 0;
    let recentMax = 0;
    for (let index = 0; index < tapHistoryCapacity; index += 1) {
      const elapsedMs = atMs - (this.atMs[index] ?? Number.NaN);
      if (!(elapsedMs >= 0 && elapsedMs <= recentTapWindowMs)) continue;
      const distanceKm = Math.hypot(place.xKm - (this.xKm[index] ?? 0), place.yKm - (this.yKm[index] ?? 0));
      reach = Math.max(reach, speedKmh(distanceKm, elapsedMs));
      recentMax = Math.max(recentMax, this.reachKmh[index] ?? 0);
    }
    out[f.tap_reach_speed_kmh] = reach;
    out[f.tap_recent_max_reach_speed_kmh] = recentMax;
    out[f.tap_station_new] = stationId !== null && this.isNewStation(stationId, atMs) ? 1 : 0;
  }

  record(atMs: number, place: Place, stationId: string | null): void {
    const reach = this.reachSpeedKmh(atMs, place);
    this.atMs[this.next] = atMs;
    this.xKm[this.next] = place.xKm;
    this.yKm[this.next] = place.yKm;
    this.reachKmh[this.next] = reach;
    this.next = (this.next + 1) % tapHistoryCapacity;
    if (stationId === null) return;
    const known = this.stationIds.indexOf(stationId);
    if (known !== -1) this.stationAtMs[known] = atMs;
    else if (this.stationIds.length < maxStationsRemembered) {
      this.stationAtMs[this.stationIds.length] = atMs;
      this.stationIds.push(stationId);
    } else {
      let oldest = 0;
      for (let index = 1; index < maxStationsRemembered; index += 1)
        if ((this.stationAtMs[index] ?? 0) < (this.stationAtMs[oldest] ?? 0)) oldest = index;
      this.stationIds[oldest] = stationId;
      this.stationAtMs[oldest] = atMs;
    }
  }

  /** The newest kept tap (the last recorded) as [atMs, xKm, yKm]; undefined before the first. */
  lastTap(): readonly [number, number, number] | undefined {
    const last = (this.next + tapHistoryCapacity - 1) % tapHistoryCapacity;
    const atMs = this.atMs[last] ?? Number.NaN;
    return Number.isNaN(atMs) ? undefined : [atMs, this.xKm[last] ?? 0, this.yKm[last] ?? 0];
  }

  /** The highest speed needed to reach `place` at `atMs` from any kept tap of the last three hours. */
  private reachSpeedKmh(atMs: number, place: Place): number {
    let highest = 0;
    for (let index = 0; index < tapHistoryCapacity; index += 1) {
      const tapAtMs = this.atMs[index] ?? Number.NaN;
      if (!(atMs - tapAtMs >= 0 && atMs - tapAtMs <= recentTapWindowMs)) continue;
      const distanceKm = Math.hypot(place.xKm - (this.xKm[index] ?? 0), place.yKm - (this.yKm[index] ?? 0));
      highest = Math.max(highest, speedKmh(distanceKm, atMs - tapAtMs));
    }
    return highest;
  }

  private isNewStation(stationId: string, atMs: number): boolean {
    const known = this.stationIds.indexOf(stationId);
    return known === -1 || atMs - (this.stationAtMs[known] ?? 0) > stationMemoryMs;
  }
}

/** Kilometres per hour over `elapsedMs`, counting anything under a minute as a minute. */
export function speedKmh(distanceKm: number, elapsedMs: number): number {
  return distanceKm / (Math.max(elapsedMs, 60_000) / 3_600_000);
}
