// The engine's tables: residents, devices, merchants and resident x merchant pairs, each entity a row in shared
// typed arrays (rows.ts), holding only what a feature reads. A resident's devices and a device's residents are short
// lists of rows, and a pair is found through its resident's list of merchants: no key string is ever built.
// Every fact carries the time it was last seen and is read only within the horizon (horizon.ts); prune() drops what
// no event can read any more (older than `beforeMs`) and frees a row with nothing left, for the next new entity.
// A list may still name a freed row, reused by another entity: its time is older than any event reads, so it counts
// for nothing, and the new entity takes the cell over when it is seen with the list's owner.
import { DecayingRows } from './decay.ts';
import { factHorizonMs, withinHorizon } from './horizon.ts';
import { RecentEvents } from './recent_events.ts';
import { IdRows, ListPool, withRoom } from './rows.ts';
import { TapHistory } from './tap_history.ts';

export const hour = 0;
export const day = 1;
export const month = 2;

/**
 * Per row of a table, a short list of rows of another (a resident's devices, a device's residents), each with when
 * the two were last seen together. Past `max` the pair seen least recently gives its cell up.
 */
class SeenWith {
  private readonly pool = new ListPool();
  private heads = new Int32Array(0);
  private counts = new Uint16Array(0);
  private atMs = new Float64Array(0);
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Gives `row` an empty list, freeing the cells of the one it had. */
  start(row: number): void {
    this.heads = withRoom(this.heads, row + 1, -1);
    this.counts = withRoom(this.counts, row + 1);
    this.pool.removeOlder(this.heads[row] ?? -1, this.atMs, Number.POSITIVE_INFINITY);
    this.heads[row] = -1;
    this.counts[row] = 0;
  }

  /** Marks `value` seen with `row` at `atMs` (the later time is kept). */
  add(row: number, value: number, atMs: number): void {
    const head = this.heads[row] ?? -1;
    let cell = this.pool.find(head, value);
    if (cell === -1 && (this.counts[row] ?? 0) < this.max) {
      cell = this.pool.append(this.pool.last(head), value);
      if (head === -1) this.heads[row] = cell;
      this.counts[row] = (this.counts[row] ?? 0) + 1;
      this.atMs = withRoom(this.atMs, this.pool.capacity);
      this.atMs[cell] = atMs;
      return;
    }
    if (cell === -1) {
      cell = head;
      for (let other = head; other !== -1; other = this.pool.next[other] ?? -1)
        if ((this.atMs[other] ?? 0) < (this.atMs[cell] ?? 0)) cell = other;
      this.pool.values[cell] = value;
      this.atMs[cell] = atMs;
      return;
    }
    if (atMs > (this.atMs[cell] ?? 0)) this.atMs[cell] = atMs;
  }

  /** Whether a value other than `value` was seen with `row` within the horizon of `atMs`. */
  hasOther(row: number, value: number, atMs: number): boolean {
    for (let cell = this.heads[row] ?? -1; cell !== -1; cell = this.pool.next[cell] ?? -1)
      if (this.pool.values[cell] !== value && withinHorizon(this.atMs[cell] ?? 0, atMs)) return true;
    return false;
  }

  /** The values seen with `row` within the horizon of `atMs`, `value` (-1: none) counted among them. */
  countWith(row: number, value: number, atMs: number): number {
    let count = 0;
    let known = false;
    for (let cell = this.heads[row] ?? -1; cell !== -1; cell = this.pool.next[cell] ?? -1) {
      if (!withinHorizon(this.atMs[cell] ?? 0, atMs)) continue;
      count += 1;
      if (this.pool.values[cell] === value) known = true;
    }
    return known ? count : count + 1;
  }

  /** Drops the values last seen with `row` before `beforeMs`. */
  prune(row: number, beforeMs: number): void {
    const head = this.pool.removeOlder(this.heads[row] ?? -1, this.atMs, beforeMs);
    this.heads[row] = head;
    this.counts[row] = this.pool.length(head);
  }

  get size(): number {
    return this.pool.size;
  }

  clear(): void {
    this.pool.clear();
    this.heads = new Int32Array(0);
    this.counts = new Uint16Array(0);
    this.atMs = new Float64Array(0);
  }
}

/** Residents counted per device: past this a device is shared by "many" and the count stops growing. */
export const maxResidentsPerDevice = 1_000;
/** Devices remembered per resident: past this a resident has "many" and device_switched stays 1. */
export const maxDevicesPerResident = 8;

export class ResidentTable {
  private readonly ids = new IdRows();
  readonly totals = new DecayingRows([hour, day, month], true, factHorizonMs);
  readonly recent = new RecentEvents();
  readonly taps = new TapHistory();
  private readonly concessions = new IdRows();
  /** Each resident's concession (a row of `concessions`); -1 before its first payment or tap (attempts only). */
  private concessionRows = new Int32Array(0);
  /** When the resident last paid or tapped: its payment and tap facts are read within the horizon of this. */
  private activeAtMs = new Float64Array(0);
  private readonly devices = new SeenWith(maxDevicesPerResident);

  get size(): number {
    return this.ids.size;
  }

  /** Rows ever given out: the sweep's range. */
  get capacity(): number {
    return this.ids.capacity;
  }

  rowOf(residentId: string): number {
    return this.ids.rowOf(residentId);
  }

  isUsed(row: number): boolean {
    return this.ids.isUsed(row);
  }

  /** The resident's row; a new one has paid, tapped and been refused nothing yet. */
  add(residentId: string): number {
    const { row, isNew } = this.ids.add(residentId);
    if (!isNew) return row;
    this.totals.reserve(row + 1);
    this.concessionRows = withRoom(this.concessionRows, row + 1, -1);
    this.activeAtMs = withRoom(this.activeAtMs, row + 1);
    this.deactivate(row);
    return row;
  }

  /**
   * Whether the resident (-1: none) paid or tapped within the horizon of `atMs`: it has a resident's state, not
   * only refused attempts.
   */
  isActive(row: number, atMs: number): boolean {
    return row !== -1 && this.concessionRows[row] !== -1 && withinHorizon(this.activeAtMs[row] ?? 0, atMs);
  }

  /**
   * Makes the resident active at `atMs`: the first payment or tap sets its concession, and one after the horizon
   * starts its payment and tap facts again from nothing, as for a new resident.
   */
  activate(row: number, concession: string, atMs: number): void {
    if (this.concessionRows[row] !== -1 && !withinHorizon(this.activeAtMs[row] ?? 0, atMs)) this.deactivate(row);
    if (this.concessionRows[row] === -1) this.concessionRows[row] = this.concessions.add(concession).row;
    if (atMs > (this.activeAtMs[row] ?? 0)) this.activeAtMs[row] = atMs;
  }

  concessionMatches(row: number, concession: string): boolean {
    return this.concessionRows[row] === this.concessions.rowOf(concession);
  }

  addDevice(row: number, device: number, atMs: number): void {
    this.devices.add(row, device, atMs);
  }

  /** Whether the resident paid within the horizon of `atMs` from a device other than `device` (-1: never seen). */
  usedOtherDevice(row: number, device: number, atMs: number): boolean {
    return this.devices.hasOther(row, device, atMs);
  }

  /**
   * Drops what no event can read any more (seen before `beforeMs`): the whole payment and tap state of a resident
   * inactive since, else its devices and stations not used since. Whether the resident has any state left.
   */
  prune(row: number, beforeMs: number): boolean {
    if ((this.activeAtMs[row] ?? 0) < beforeMs) {
      if (this.concessionRows[row] !== -1) this.deactivate(row);
      return false;
    }
    this.devices.prune(row, beforeMs);
    this.taps.prune(row, beforeMs);
    return true;
  }

  /** Frees the row of a resident with no state left (prune said so, and it has no pairs) for the next new one. */
  remove(row: number): void {
    this.ids.remove(row);
  }

  clear(): void {
    this.ids.clear();
    this.totals.clear();
    this.recent.clear();
    this.taps.clear();
    this.concessions.clear();
    this.concessionRows = new Int32Array(0);
    this.activeAtMs = new Float64Array(0);
    this.devices.clear();
  }

  /** Forgets the resident's payments and taps: it has paid and tapped nothing (attempts are the pairs'). */
  private deactivate(row: number): void {
    this.totals.reset(row);
    this.recent.start(row);
    this.taps.start(row);
    this.devices.start(row);
    this.concessionRows[row] = -1;
    this.activeAtMs[row] = 0;
  }
}

export class DeviceTable {
  private readonly ids = new IdRows();
  /** Its last update is when the device last paid: nothing of a device is read past the horizon of that. */
  readonly totals = new DecayingRows([hour, day], false, factHorizonMs);
  private readonly residents = new SeenWith(maxResidentsPerDevice);

  get size(): number {
    return this.ids.size;
  }

  get capacity(): number {
    return this.ids.capacity;
  }

  rowOf(deviceId: string): number {
    return this.ids.rowOf(deviceId);
  }

  add(deviceId: string): number {
    const { row, isNew } = this.ids.add(deviceId);
    if (!isNew) return row;
    this.totals.reserve(row + 1);
    this.totals.reset(row);
    this.residents.start(row);
    return row;
  }

  addResident(row: number, resident: number, atMs: number): void {
    this.residents.add(row, resident, atMs);
  }

  /** The residents counted on the device within the horizon of `atMs`, `resident` (-1: never seen) among them. */
  residentsWith(row: number, resident: number, atMs: number): number {
    return this.residents.countWith(row, resident, atMs);
  }

  /** Drops residents not seen on the device since `beforeMs`, and the device itself when it did not pay since. */
  prune(row: number, beforeMs: number): void {
    if (!this.ids.isUsed(row)) return;
    if (this.totals.lastAtMs(row) < beforeMs) {
      this.residents.start(row);
      this.ids.remove(row);
      return;
    }
    this.residents.prune(row, beforeMs);
  }

  clear(): void {
    this.ids.clear();
    this.totals.clear();
    this.residents.clear();
  }
}

export class MerchantTable {
  private readonly ids = new IdRows();
  /** Its last update is when the merchant last took a payment or attempt: nothing of it is read past that's horizon. */
  readonly totals = new DecayingRows([hour, day], false, factHorizonMs);
  firstAtMs = new Float64Array(0);
  /** The day (days since the epoch) the counts of residents today are of. */
  day = new Int32Array(0);
  residentsToday = new Int32Array(0);
  newResidentsToday = new Int32Array(0);

  get size(): number {
    return this.ids.size;
  }

  get capacity(): number {
    return this.ids.capacity;
  }

  /** The merchant's row, or -1 when it has none or was last seen past the horizon of `atMs`. */
  rowAt(merchantId: string, atMs: number): number {
    const row = this.ids.rowOf(merchantId);
    return row === -1 || withinHorizon(this.totals.lastAtMs(row), atMs) ? row : -1;
  }

  /** The merchant's row; a new one, or one last seen past the horizon, is first seen at `atMs`. */
  add(merchantId: string, atMs: number): number {
    const { row, isNew } = this.ids.add(merchantId);
    if (!isNew && withinHorizon(this.totals.lastAtMs(row), atMs)) return row;
    this.totals.reserve(row + 1);
    this.totals.reset(row);
    this.firstAtMs = withRoom(this.firstAtMs, row + 1);
    this.day = withRoom(this.day, row + 1);
    this.residentsToday = withRoom(this.residentsToday, row + 1);
    this.newResidentsToday = withRoom(this.newResidentsToday, row + 1);
    this.firstAtMs[row] = atMs;
    this.day[row] = Math.floor(atMs / 86_400_000);
    this.residentsToday[row] = 0;
    this.newResidentsToday[row] = 0;
    return row;
  }

  /** Frees the merchant's row when it took nothing since `beforeMs`. */
  prune(row: number, beforeMs: number): void {
    if (this.ids.isUsed(row) && this.totals.lastAtMs(row) < beforeMs) this.ids.remove(row);
  }

  clear(): void {
    this.ids.clear();
    this.totals.clear();
    this.firstAtMs = new Float64Array(0);
    this.day = new Int32Array(0);
    this.residentsToday = new Int32Array(0);
    this.newResidentsToday = new Int32Array(0);
  }
}

/**
 * Resident x merchant: its payments over the 24 h half-life, the last day it was seen, whether one was paid, and
 * when it was last seen (a payment or an attempt): a pair unseen for the horizon is new again.
 */
export class PairTable {
  /** Per resident row, the first cell of its list of merchants; a cell is a pair's row. */
  private heads = new Int32Array(0);
  private readonly merchants = new ListPool();
  /** Its last update is the pair's last payment. */
  readonly totals = new DecayingRows([day], false, factHorizonMs);
  lastDay = new Int32Array(0);
  /** 1 once a payment happened (a pair made by refused attempts only is still new to the resident). */
  paid = new Uint8Array(0);
  private seenAtMs = new Float64Array(0);

  get size(): number {
    return this.merchants.size;
  }

  /**
   * The pair's row, or -1 when the resident (-1: none) and the merchant (-1: none) were not seen together within
   * the horizon of `atMs`.
   */
  rowAt(resident: number, merchant: number, atMs: number): number {
    if (resident === -1 || merchant === -1) return -1;
    const row = this.merchants.find(this.heads[resident] ?? -1, merchant);
    return row === -1 || withinHorizon(this.seenAtMs[row] ?? 0, atMs) ? row : -1;
  }

  /** Whether the pair paid within the horizon of `atMs`. */
  paidWithin(row: number, atMs: number): boolean {
    return this.paid[row] === 1 && withinHorizon(this.totals.lastAtMs(row), atMs);
  }

  /**
   * The pair's row, seen at `atMs`; a new one (or one last seen past the horizon) was never seen on any day and
   * never paid.
   */
  add(resident: number, merchant: number, atMs: number): number {
    this.heads = withRoom(this.heads, resident + 1, -1);
    const head = this.heads[resident] ?? -1;
    let row = this.merchants.find(head, merchant);
    if (row === -1) {
      row = this.merchants.append(this.merchants.last(head), merchant);
      if (head === -1) this.heads[resident] = row;
      this.totals.reserve(row + 1);
      this.lastDay = withRoom(this.lastDay, row + 1);
      this.paid = withRoom(this.paid, row + 1);
      this.seenAtMs = withRoom(this.seenAtMs, row + 1);
      this.seenAtMs[row] = Number.NEGATIVE_INFINITY;
    }
    if (!withinHorizon(this.seenAtMs[row] ?? 0, atMs)) {
      this.totals.reset(row);
      this.lastDay[row] = -1;
      this.paid[row] = 0;
      this.seenAtMs[row] = atMs;
    } else if (atMs > (this.seenAtMs[row] ?? 0)) {
      this.seenAtMs[row] = atMs;
    }
    return row;
  }

  /** Drops the resident's pairs not seen since `beforeMs`; whether it has any left. */
  prune(resident: number, beforeMs: number): boolean {
    if (resident >= this.heads.length) return false;
    const head = this.merchants.removeOlder(this.heads[resident] ?? -1, this.seenAtMs, beforeMs);
    this.heads[resident] = head;
    return head !== -1;
  }

  clear(): void {
    this.heads = new Int32Array(0);
    this.merchants.clear();
    this.totals.clear();
    this.lastDay = new Int32Array(0);
    this.paid = new Uint8Array(0);
    this.seenAtMs = new Float64Array(0);
  }
}
