// The engine's memory: per resident, device, merchant and resident x merchant, in Maps, written only by record() and
// recordAttempt() (one writer per counter: the engine instance that owns the resident's partition). features() reads
// it for one event without changing it; record() then adds a payment that happened, recordAttempt() one that was
// refused. Replaying events in order through the same two rebuilds exactly the state a live engine had.
import { DecayingTotals } from './decay.ts';
import type { GateTap, Place, RiskEvent } from './event.ts';
import { feature as f } from './features.ts';
import { RecentEvents } from './recent_events.ts';
import { RunningStats } from './running_stats.ts';
import { ClinicState } from './clinic_state.ts';
import { speedKmh, TapHistory } from './tap_history.ts';

export const dayMs = 86_400_000;
/** Residents counted per device: past this a device is shared by "many" and the count stops growing. */
export const maxResidentsPerDevice = 1_000;
/** Devices remembered per resident: past this a resident has "many" and device_switched stays 1. */
export const maxDevicesPerResident = 8;
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
/** minutes_since_last_event for a resident with no event yet: thirty days. */
const noEventMinutes = 43_200;
const hour = 0;
const day = 1;
const month = 2;

type ResidentState = {
  readonly totals: DecayingTotals;
  readonly recent: RecentEvents;
  readonly concession: string;
  readonly taps: TapHistory;
  readonly devices: Set<string>;
};
type DeviceState = { readonly totals: DecayingTotals; readonly residents: Set<string> };
type MerchantState = {
  readonly totals: DecayingTotals;
  readonly firstAtMs: number;
  day: number;
  residentsToday: number;
  newResidentsToday: number;
};
/** `paid`: a payment of this resident here happened; a pair made by refused attempts only is still new to them. */
type ResidentMerchantState = { readonly totals: DecayingTotals; lastDay: number; paid: boolean };

export type BlockLists = {
  readonly residents: ReadonlySet<string>;
  readonly devices: ReadonlySet<string>;
  readonly merchants: ReadonlySet<string>;
};

export class RiskState {
  private readonly residents = new Map<string, ResidentState>();
  private readonly devices = new Map<string, DeviceState>();
  private readonly merchants = new Map<string, MerchantState>();
  private readonly residentMerchants = new Map<string, ResidentMerchantState>();
  private readonly categories = new Map<string, RunningStats>();
  private readonly clinics = new ClinicState();

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
    this.residentFeatures(event, out);
    this.deviceFeatures(event, out);
    this.merchantFeatures(event, out);
    if (event.clinicLine !== null) this.clinics.features(event, event.clinicLine, out);
  }

  /** Adds `event` to every counter it touches. */
  record(event: RiskEvent): void {
    const amount = Number(event.amountMinor);
    const resident = this.resident(event.residentId, event.concession);
    resident.totals.add(event.atMs, amount);
    if (resident.devices.size < maxDevicesPerResident) resident.devices.add(event.deviceId);
    resident.recent.add(event.atMs, amount, event.place?.xKm ?? Number.NaN, event.place?.yKm ?? Number.NaN);
    if (event.channel === 'gate' && event.place !== null)
      learnTap(resident.taps, event.atMs, event.place, event.stationId);
    const device = this.device(event.deviceId);
    device.totals.add(event.atMs, amount);
    if (device.residents.size < maxResidentsPerDevice) device.residents.add(event.residentId);
    this.recordMerchant(event, amount, true);
    let stats = this.categories.get(event.category);
    if (stats === undefined) this.categories.set(event.category, (stats = new RunningStats()));
    stats.add(Math.log1p(amount));
    if (event.clinicLine !== null) this.clinics.record(event, event.clinicLine);
  }

  /**
   * Adds a refused attempt where card testing is seen: the merchant's count of payments in the last hour and its
   * residents (and new residents) today. Nothing of the resident, the device, the amounts or the category: a refused
   * payment spent no money and raises no velocity of the resident's own.
   */
  recordAttempt(event: RiskEvent): void {
    this.recordMerchant(event, 0, false);
  }

  /**
   * Adds a tap that was not scored (a payment's counters do not count it): the resident's tap history and last
   * place. A tap no newer than the resident's last one (a repeat, or an offline upload of older taps) is ignored.
   */
  recordTap(tap: GateTap): void {
    learnTap(this.resident(tap.residentId, tap.concession).taps, tap.atMs, tap.place, tap.stationId);
  }

  private residentFeatures(event: RiskEvent, out: Float64Array): void {
    const resident = this.residents.get(event.residentId);
    if (resident === undefined) {
      out[f.minutes_since_last_event] = noEventMinutes;
      return;
    }
    const atMs = event.atMs;
    out[f.resident_count_1h] = resident.totals.countAt(hour, atMs);
    out[f.resident_count_24h] = resident.totals.countAt(day, atMs);
    out[f.resident_count_30d] = resident.totals.countAt(month, atMs);
    out[f.resident_amount_1h] = resident.totals.amountAt(hour, atMs);
    out[f.resident_amount_24h] = resident.totals.amountAt(day, atMs);
    out[f.resident_amount_30d] = resident.totals.amountAt(month, atMs);
    out[f.recent_events_10min] = resident.recent.countWithin(atMs, recentWindowMs);
    const lastAtMs = resident.recent.lastAtMs();
    out[f.minutes_since_last_event] = Number.isNaN(lastAtMs) ? noEventMinutes : (atMs - lastAtMs) / 60_000;
    out[f.concession_mismatch] = event.concession === resident.concession ? 0 : 1;
    out[f.device_switched] = resident.devices.size > (resident.devices.has(event.deviceId) ? 1 : 0) ? 1 : 0;
    const place = event.place;
    if (place === null) return;
    const lastPlaced = newestOf(resident.recent.lastPlaced(), resident.taps.lastTap());
    // A fare scored at settlement may be older than what was learned since: no speed from a later place.
    if (lastPlaced !== undefined && lastPlaced[0] <= atMs) {
      const [lastAtMs, xKm, yKm] = lastPlaced;
      out[f.place_speed_kmh] = speedKmh(Math.hypot(place.xKm - xKm, place.yKm - yKm), atMs - lastAtMs);
    }
    if (event.channel === 'gate') resident.taps.features(atMs, place, event.stationId, out);
  }

  private deviceFeatures(event: RiskEvent, out: Float64Array): void {
    const device = this.devices.get(event.deviceId);
    if (device === undefined) {
      out[f.residents_per_device] = 1;
      return;
    }
    out[f.device_count_1h] = device.totals.countAt(hour, event.atMs);
    out[f.device_count_24h] = device.totals.countAt(day, event.atMs);
    out[f.residents_per_device] = device.residents.size + (device.residents.has(event.residentId) ? 0 : 1);
  }

  private merchantFeatures(event: RiskEvent, out: Float64Array): void {
    const today = Math.floor(event.atMs / dayMs);
    const pair = this.residentMerchants.get(pairKey(event));
    const isNew = pair === undefined;
    const firstToday = isNew || pair.lastDay !== today;
    if (!isNew) out[f.resident_merchant_count_24h] = pair.totals.countAt(day, event.atMs);
    out[f.merchant_new_for_resident] = isNew || !pair.paid ? 1 : 0;
    const merchant = this.merchants.get(event.merchantId);
    const sameDay = merchant !== undefined && merchant.day === today;
    const residentsToday = (sameDay ? merchant.residentsToday : 0) + (firstToday ? 1 : 0);
    const newToday = (sameDay ? merchant.newResidentsToday : 0) + (isNew ? 1 : 0);
    out[f.merchant_residents_today] = residentsToday;
    out[f.merchant_new_resident_share_today] = residentsToday === 0 ? 0 : newToday / residentsToday;
    if (merchant === undefined) return;
    out[f.merchant_age_days] = Math.max(0, (event.atMs - merchant.firstAtMs) / dayMs);
    out[f.merchant_count_1h] = merchant.totals.countAt(hour, event.atMs);
    out[f.merchant_count_24h] = merchant.totals.countAt(day, event.atMs);
  }

  /** `paid`: the payment happened (else a refused attempt: counted at the merchant, nothing added to the pair). */
  private recordMerchant(event: RiskEvent, amount: number, paid: boolean): void {
    const today = Math.floor(event.atMs / dayMs);
    const key = pairKey(event);
    let pair = this.residentMerchants.get(key);
    const isNew = pair === undefined;
    if (pair === undefined)
      this.residentMerchants.set(key, (pair = { totals: new DecayingTotals(), lastDay: -1, paid: false }));
    const firstToday = pair.lastDay !== today;
    pair.lastDay = today;
    if (paid) {
      pair.paid = true;
      pair.totals.add(event.atMs, amount);
    }
    let merchant = this.merchants.get(event.merchantId);
    if (merchant === undefined) {
      merchant = {
        totals: new DecayingTotals(),
        firstAtMs: event.atMs,
        day: today,
        residentsToday: 0,
        newResidentsToday: 0,
      };
      this.merchants.set(event.merchantId, merchant);
    }
    if (merchant.day !== today) Object.assign(merchant, { day: today, residentsToday: 0, newResidentsToday: 0 });
    if (firstToday) merchant.residentsToday += 1;
    if (isNew) merchant.newResidentsToday += 1;
    merchant.totals.add(event.atMs, amount);
  }

  private resident(residentId: string, concession: string): ResidentState {
    let resident = this.residents.get(residentId);
    if (resident === undefined) {
      resident = {
        totals: new DecayingTotals(),
        recent: new RecentEvents(),
        concession,
        taps: new TapHistory(),
        devices: new Set(),
      };
      this.residents.set(residentId, resident);
    }
    return resident;
  }

  private device(deviceId: string): DeviceState {
    let device = this.devices.get(deviceId);
    if (device === undefined)
      this.devices.set(deviceId, (device = { totals: new DecayingTotals(), residents: new Set() }));
    return device;
  }
}

/**
 * Adds a tap newer than the last one kept. An older one (a repeat, an offline upload of older taps, or a fare scored
 * at settlement after its own tap and the journey's later ones were learned) is ignored: it would push out a newer
 * tap and make the history's order not the taps' order.
 */
function learnTap(taps: TapHistory, atMs: number, place: Place, stationId: string | null): void {
  const last = taps.lastTap();
  if (last !== undefined && atMs <= last[0]) return;
  taps.record(atMs, place, stationId);
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

function pairKey(event: RiskEvent): string {
  return `${event.residentId} ${event.merchantId}`;
}
