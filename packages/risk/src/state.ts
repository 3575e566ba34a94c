// The engine's memory: per resident, device, merchant and resident x merchant, as rows of shared typed arrays
// (tables.ts), written only by record() and recordAttempt() (one writer per counter: the engine instance that owns
// the resident's partition). features() reads it for one event without changing it; record() then adds a payment
// that happened, recordAttempt() one that was refused. Replaying events in order through the same two rebuilds
// exactly the state a live engine had. Every write also sweeps a few rows of each table, evicting what no event can
// read any more (horizon.ts), so the state holds the residents active within the horizon.
import type { GateTap, Place, RiskEvent } from './event.ts';
import { feature as f } from './features.ts';
import { RunningStats } from './running_stats.ts';
import { ClinicState } from './clinic_state.ts';
import { speedKmh, type TapHistory } from './tap_history.ts';
import { day, DeviceTable, hour, MerchantTable, month, PairTable, ResidentTable } from './tables.ts';
import { factHorizonMs, lateEventGraceMs, merchantAgeCapDays, withinHorizon } from './horizon.ts';

export const dayMs = 86_400_000;
/**
 * Amounts a category needs before its z-score counts: below, the spread is guessed from too few payments (a new
 * shop's second sale would be "unusual"). Chosen on the tuning days of the seeded city: a shop category's spread
 * after n payments against its spread on day 60 is as low as 0.51 at n = 10 (clothing: z-scores doubled) and
 * within 0.69-1.15 for every category from n = 30; no fraud scored on its amount there came from a category with
 * fewer than 183 payments.
 */
export const minAmountSamples = 30;
/**
 * The least spread of log amounts a z-score divides by: a category whose amounts hardly vary (one price, a fixed
 * fee) would make any other amount "far above usual" (a shop that took 60 payments of 0.70 would find 1.00 eleven
 * deviations away). 0.25 is amounts within about a quarter of each other; the tightest category of the tuning
 * days (cafes) spreads 0.30.
 */
export const minAmountSpread = 0.25;
const recentWindowMs = 600_000;
/** minutes_since_last_event for a resident with no event within the horizon: the horizon, thirty days. */
const noEventMinutes = factHorizonMs / 60_000;
/**
 * Rows of each table the sweep looks at per write: more than the one row a write can add, so the sweep goes round
 * every table faster than the tables grow and a row idle past the horizon is freed within a round.
 */
export const sweptRowsPerWrite = 2;
export type BlockLists = {
  readonly residents: ReadonlySet<string>;
  readonly devices: ReadonlySet<string>;
  readonly merchants: ReadonlySet<string>;
};

export type StateSizes = {
  readonly residents: number;
  readonly devices: number;
  readonly merchants: number;
  readonly residentMerchants: number;
};

export class RiskState {
  private readonly residents = new ResidentTable();
  private readonly devices = new DeviceTable();
  private readonly merchants = new MerchantTable();
  private readonly residentMerchants = new PairTable();
  private readonly categories = new Map<string, RunningStats>();
  private readonly clinics = new ClinicState();
  /** The newest event time written: eviction is a function of event time, never of when events arrived. */
  private newestAtMs = Number.NEGATIVE_INFINITY;
  private readonly sweepAt = { residents: 0, devices: 0, merchants: 0 };

  /** The entities each table holds now (evicted ones are gone). */
  get sizes(): StateSizes {
    return {
      residents: this.residents.size,
      devices: this.devices.size,
      merchants: this.merchants.size,
      residentMerchants: this.residentMerchants.size,
    };
  }

  /** Fills `out` with the features of `event` as the state stands before it. */
  features(event: RiskEvent, blocks: BlockLists, out: Float64Array): void {
    out.fill(0);
    const amount = Number(event.amountMinor);
    out[f.credential_revoked] = event.credentialRevoked ? 1 : 0;
    out[f.presentation_replayed] = event.presentationReplayed ? 1 : 0;
    out[f.device_key_mismatch] = event.deviceKeyMatches ? 0 : 1;
    out[f.merchant_capability_disabled] = event.merchantCapabilityEnabled ? 0 : 1;
    out[f.resident_blocked] = blocks.residents.has(event.residentId) ? 1 : 0;
    out[f.device_blocked] = blocks.devices.has(event.deviceId) ? 1 : 0;
    out[f.merchant_blocked] = blocks.merchants.has(event.merchantId) ? 1 : 0;
    out[f.is_gate] = event.channel === 'gate' ? 1 : 0;
    out[f.fare_within_maximum] = event.maxFareMinor !== null && event.amountMinor <= event.maxFareMinor ? 1 : 0;
    out[f.amount_minor] = amount;
    const stats = this.categories.get(event.category);
    out[f.amount_zscore] =
      stats === undefined || stats.count < minAmountSamples ? 0 : stats.zScore(Math.log1p(amount), minAmountSpread);
    out[f.device_age_days] = Math.max(0, (event.atMs - event.deviceBoundAtMs) / dayMs);
    const resident = this.residents.rowOf(event.residentId);
    const device = this.devices.rowOf(event.deviceId);
    this.residentFeatures(event, resident, device, out);
    this.deviceFeatures(event, device, resident, out);
    this.merchantFeatures(event, resident, out);
    if (event.clinicLine !== null) this.clinics.features(event, event.clinicLine, out);
  }

  /** Adds `event` to every counter it touches. */
  record(event: RiskEvent): void {
    const amount = Number(event.amountMinor);
    const resident = this.activeResident(event.residentId, event.concession, event.atMs);
    const residents = this.residents;
    const device = this.devices.add(event.deviceId);
    residents.totals.add(resident, event.atMs, amount);
    residents.addDevice(resident, device, event.atMs);
    residents.recent.add(resident, event.atMs, event.place?.xKm ?? Number.NaN, event.place?.yKm ?? Number.NaN);
    if (event.channel === 'gate' && event.place !== null)
      learnTap(residents.taps, resident, event.atMs, event.place, event.stationId);
    this.devices.totals.add(device, event.atMs, amount);
    this.devices.addResident(device, resident, event.atMs);
    this.recordMerchant(event, amount, true);
    let stats = this.categories.get(event.category);
    if (stats === undefined) this.categories.set(event.category, (stats = new RunningStats()));
    stats.add(Math.log1p(amount));
    if (event.clinicLine !== null) this.clinics.record(event, event.clinicLine);
    this.sweep(event.atMs);
  }

  /**
   * Adds a refused attempt where card testing is seen: the merchant's count of payments in the last hour and its
   * residents (and new residents) today. Nothing of the resident, the device, the amounts or the category: a refused
   * payment spent no money and raises no velocity of the resident's own.
   */
  recordAttempt(event: RiskEvent): void {
    this.recordMerchant(event, 0, false);
    this.sweep(event.atMs);
  }

  /**
   * Adds a tap that was not scored (a payment's counters do not count it): the resident's tap history and last
   * place. A tap no newer than the resident's last one (a repeat, or an offline upload of older taps) is ignored.
   */
  recordTap(tap: GateTap): void {
    const resident = this.activeResident(tap.residentId, tap.concession, tap.atMs);
    learnTap(this.residents.taps, resident, tap.atMs, tap.place, tap.stationId);
    this.sweep(tap.atMs);
  }

  /**
   * Looks at the next few rows of each table and frees what no event can read any more: facts older than the
   * horizon before the newest event written, less the grace a late event is allowed. A resident goes when it has
   * neither payments nor taps nor pairs left, a device when it did not pay, a merchant when it took nothing.
   */
  private sweep(atMs: number): void {
    if (atMs > this.newestAtMs) this.newestAtMs = atMs;
    const beforeMs = this.newestAtMs - factHorizonMs - lateEventGraceMs;
    const { residents, devices, merchants, residentMerchants: pairs, sweepAt } = this;
    for (let step = 0; step < sweptRowsPerWrite; step += 1) {
      let row = sweepAt.residents < residents.capacity ? sweepAt.residents : 0;
      if (residents.isUsed(row)) {
        const hasPairs = pairs.prune(row, beforeMs);
        if (!residents.prune(row, beforeMs) && !hasPairs) residents.remove(row);
      }
      sweepAt.residents = row + 1;
      row = sweepAt.devices < devices.capacity ? sweepAt.devices : 0;
      devices.prune(row, beforeMs);
      sweepAt.devices = row + 1;
      row = sweepAt.merchants < merchants.capacity ? sweepAt.merchants : 0;
      merchants.prune(row, beforeMs);
      sweepAt.merchants = row + 1;
    }
  }

  private residentFeatures(event: RiskEvent, resident: number, device: number, out: Float64Array): void {
    const residents = this.residents;
    if (!residents.isActive(resident, event.atMs)) {
      out[f.minutes_since_last_event] = noEventMinutes;
      return;
    }
    const atMs = event.atMs;
    out[f.resident_count_1h] = residents.totals.countAt(resident, hour, atMs);
    out[f.resident_count_24h] = residents.totals.countAt(resident, day, atMs);
    out[f.resident_count_30d] = residents.totals.countAt(resident, month, atMs);
    out[f.resident_amount_1h] = residents.totals.amountAt(resident, hour, atMs);
    out[f.resident_amount_24h] = residents.totals.amountAt(resident, day, atMs);
    out[f.resident_amount_30d] = residents.totals.amountAt(resident, month, atMs);
    out[f.recent_events_10min] = residents.recent.countWithin(resident, atMs, recentWindowMs);
    const lastAtMs = residents.recent.lastAtMs(resident);
    out[f.minutes_since_last_event] = withinHorizon(lastAtMs, atMs) ? (atMs - lastAtMs) / 60_000 : noEventMinutes;
    out[f.concession_mismatch] = residents.concessionMatches(resident, event.concession) ? 0 : 1;
    out[f.device_switched] = residents.usedOtherDevice(resident, device, atMs) ? 1 : 0;
    const place = event.place;
    if (place === null) return;
    const lastPlaced = newestOf(residents.recent.lastPlaced(resident), residents.taps.lastTap(resident));
    // A fare scored at settlement may be older than what was learned since: no speed from a later place.
    if (lastPlaced !== undefined && lastPlaced[0] <= atMs && withinHorizon(lastPlaced[0], atMs)) {
      const [lastAtMs, xKm, yKm] = lastPlaced;
      out[f.place_speed_kmh] = speedKmh(Math.hypot(place.xKm - xKm, place.yKm - yKm), atMs - lastAtMs);
    }
    if (event.channel === 'gate') residents.taps.features(resident, atMs, place, event.stationId, out);
  }

  private deviceFeatures(event: RiskEvent, device: number, resident: number, out: Float64Array): void {
    if (device === -1) {
      out[f.residents_per_device] = 1;
      return;
    }
    out[f.device_count_1h] = this.devices.totals.countAt(device, hour, event.atMs);
    out[f.device_count_24h] = this.devices.totals.countAt(device, day, event.atMs);
    out[f.residents_per_device] = this.devices.residentsWith(device, resident, event.atMs);
  }

  private merchantFeatures(event: RiskEvent, resident: number, out: Float64Array): void {
    const today = Math.floor(event.atMs / dayMs);
    const merchants = this.merchants;
    const merchant = merchants.rowAt(event.merchantId, event.atMs);
    const pairs = this.residentMerchants;
    const pair = pairs.rowAt(resident, merchant, event.atMs);
    const isNew = pair === -1;
    const firstToday = isNew || pairs.lastDay[pair] !== today;
    if (!isNew) out[f.resident_merchant_count_24h] = pairs.totals.countAt(pair, day, event.atMs);
    out[f.merchant_new_for_resident] = isNew || !pairs.paidWithin(pair, event.atMs) ? 1 : 0;
    const sameDay = merchant !== -1 && merchants.day[merchant] === today;
    const residentsToday = (sameDay ? (merchants.residentsToday[merchant] ?? 0) : 0) + (firstToday ? 1 : 0);
    const newToday = (sameDay ? (merchants.newResidentsToday[merchant] ?? 0) : 0) + (isNew ? 1 : 0);
    out[f.merchant_residents_today] = residentsToday;
    out[f.merchant_new_resident_share_today] = residentsToday === 0 ? 0 : newToday / residentsToday;
    if (merchant === -1) return;
    const ageDays = Math.max(0, (event.atMs - (merchants.firstAtMs[merchant] ?? 0)) / dayMs);
    out[f.merchant_age_days] = Math.min(ageDays, merchantAgeCapDays);
    out[f.merchant_count_1h] = merchants.totals.countAt(merchant, hour, event.atMs);
    out[f.merchant_count_24h] = merchants.totals.countAt(merchant, day, event.atMs);
  }

  /** `paid`: the payment happened (else a refused attempt: counted at the merchant, nothing added to the pair). */
  private recordMerchant(event: RiskEvent, amount: number, paid: boolean): void {
    const today = Math.floor(event.atMs / dayMs);
    const merchants = this.merchants;
    const merchant = merchants.add(event.merchantId, event.atMs);
    const pairs = this.residentMerchants;
    const resident = this.residents.add(event.residentId);
    const isNew = pairs.rowAt(resident, merchant, event.atMs) === -1;
    const pair = pairs.add(resident, merchant, event.atMs);
    const firstToday = pairs.lastDay[pair] !== today;
    pairs.lastDay[pair] = today;
    if (paid) {
      pairs.paid[pair] = 1;
      pairs.totals.add(pair, event.atMs, amount);
    }
    if (merchants.day[merchant] !== today) {
      merchants.day[merchant] = today;
      merchants.residentsToday[merchant] = 0;
      merchants.newResidentsToday[merchant] = 0;
    }
    if (firstToday) merchants.residentsToday[merchant] = (merchants.residentsToday[merchant] ?? 0) + 1;
    if (isNew) merchants.newResidentsToday[merchant] = (merchants.newResidentsToday[merchant] ?? 0) + 1;
    merchants.totals.add(merchant, event.atMs, amount);
  }

  /** The resident's row, active at `atMs` (with `concession` if it was not active within the horizon). */
  private activeResident(residentId: string, concession: string, atMs: number): number {
    const resident = this.residents.add(residentId);
    this.residents.activate(resident, concession, atMs);
    return resident;
  }
}

/**
 * Adds a tap to the resident's history when newer than the last one kept. An older one (a repeat, an offline upload
 * of older taps, or a fare scored at settlement after its own tap and the journey's later ones were learned) is
 * ignored: it would push out a newer tap and make the history's order not the taps' order.
 */
function learnTap(taps: TapHistory, resident: number, atMs: number, place: Place, stationId: string | null): void {
  const last = taps.lastTap(resident);
  if (last !== undefined && atMs <= last[0]) return;
  taps.record(resident, atMs, place, stationId);
}

/**
 * The newer of the last placed event and the last tap, as [atMs, xKm, yKm]. A scored tap is both (the event wins a
 * tie); a tap the engine only learned (recordTap) is in the tap history alone.
 */
function newestOf(
  placed: readonly [number, number, number] | undefined,
  tap: readonly [number, number, number] | undefined,
): readonly [number, number, number] | undefined {
  if (tap === undefined) return placed;
  return placed === undefined || tap[0] > placed[0] ? tap : placed;
}
