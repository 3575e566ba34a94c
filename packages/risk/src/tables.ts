// The engine's tables: residents, devices, merchants and resident x merchant pairs, each entity a row in shared
// typed arrays (rows.ts), holding only what a feature reads. A resident's devices and a device's residents are short
// lists of rows, and a pair is found through its resident's list of merchants: no key string is ever built.
import { DecayingRows } from './decay.ts';
import { RecentEvents } from './recent_events.ts';
import { IdRows, ListPool, withRoom } from './rows.ts';
import { TapHistory } from './tap_history.ts';

export const hour = 0;
export const day = 1;
export const month = 2;

/** Appends `value` to the list of `row` (heads and counts per row) unless it is there or the list holds `max`. */
function addToList(
  pool: ListPool,
  heads: Int32Array,
  counts: Uint8Array | Uint16Array,
  row: number,
  value: number,
  max: number,
): void {
  const head = heads[row] ?? -1;
  const count = counts[row] ?? 0;
  if (count >= max || pool.find(head, value) !== -1) return;
  const cell = pool.append(pool.last(head), value);
  if (head === -1) heads[row] = cell;
  counts[row] = count + 1;
}

export class ResidentTable {
  private readonly ids = new IdRows();
  readonly totals = new DecayingRows([hour, day, month], true);
  readonly recent = new RecentEvents();
  readonly taps = new TapHistory();
  private readonly concessions = new IdRows();
  /** Each resident's concession (a row of `concessions`); -1 before its first payment or tap (attempts only). */
  private concessionRows = new Int32Array(0);
  private readonly devices = new ListPool();
  private deviceHeads = new Int32Array(0);
  private deviceCounts = new Uint8Array(0);

  get size(): number {
    return this.ids.size;
  }

  rowOf(residentId: string): number {
    return this.ids.rowOf(residentId);
  }

  /** The resident's row; a new one has paid, tapped and been refused nothing yet. */
  add(residentId: string): number {
    const { row, isNew } = this.ids.add(residentId);
    if (!isNew) return row;
    this.totals.reserve(row + 1);
    this.recent.start(row);
    this.taps.start(row);
    this.concessionRows = withRoom(this.concessionRows, row + 1, -1);
    this.concessionRows[row] = -1;
    this.deviceHeads = withRoom(this.deviceHeads, row + 1, -1);
    this.deviceHeads[row] = -1;
    this.deviceCounts = withRoom(this.deviceCounts, row + 1);
    return row;
  }

  /** Whether the resident (-1: none) paid or tapped: it has a resident's state, not only refused attempts. */
  isActive(row: number): boolean {
    return row !== -1 && this.concessionRows[row] !== -1;
  }

  /** Makes the resident active with `concession` unless it is already (the first payment or tap sets it). */
  activate(row: number, concession: string): void {
    if (this.concessionRows[row] === -1) this.concessionRows[row] = this.concessions.add(concession).row;
  }

  concessionMatches(row: number, concession: string): boolean {
    return this.concessionRows[row] === this.concessions.rowOf(concession);
  }

  addDevice(row: number, device: number, max: number): void {
    addToList(this.devices, this.deviceHeads, this.deviceCounts, row, device, max);
  }

  /** Whether the resident paid from a device other than `device` (-1: a device never seen). */
  usedOtherDevice(row: number, device: number): boolean {
    const known = device !== -1 && this.devices.find(this.deviceHeads[row] ?? -1, device) !== -1;
    return (this.deviceCounts[row] ?? 0) > (known ? 1 : 0);
  }

  clear(): void {
    this.ids.clear();
    this.totals.clear();
    this.recent.clear();
    this.taps.clear();
    this.concessions.clear();
    this.concessionRows = new Int32Array(0);
    this.devices.clear();
    this.deviceHeads = new Int32Array(0);
    this.deviceCounts = new Uint8Array(0);
  }
}

export class DeviceTable {
  private readonly ids = new IdRows();
  readonly totals = new DecayingRows([hour, day], false);
  private readonly residents = new ListPool();
  private residentHeads = new Int32Array(0);
  private residentCounts = new Uint16Array(0);

  get size(): number {
    return this.ids.size;
  }

  rowOf(deviceId: string): number {
    return this.ids.rowOf(deviceId);
  }

  add(deviceId: string): number {
    const { row, isNew } = this.ids.add(deviceId);
    if (!isNew) return row;
    this.totals.reserve(row + 1);
    this.residentHeads = withRoom(this.residentHeads, row + 1, -1);
    this.residentHeads[row] = -1;
    this.residentCounts = withRoom(this.residentCounts, row + 1);
    return row;
  }

  addResident(row: number, resident: number, max: number): void {
    addToList(this.residents, this.residentHeads, this.residentCounts, row, resident, max);
  }

  /** The residents counted on the device with `resident` (-1: a resident never seen) among them. */
  residentsWith(row: number, resident: number): number {
    const known = resident !== -1 && this.residents.find(this.residentHeads[row] ?? -1, resident) !== -1;
    return (this.residentCounts[row] ?? 0) + (known ? 0 : 1);
  }

  clear(): void {
    this.ids.clear();
    this.totals.clear();
    this.residents.clear();
    this.residentHeads = new Int32Array(0);
    this.residentCounts = new Uint16Array(0);
  }
}

export class MerchantTable {
  private readonly ids = new IdRows();
  readonly totals = new DecayingRows([hour, day], false);
  firstAtMs = new Float64Array(0);
  /** The day (days since the epoch) the counts of residents today are of. */
  day = new Int32Array(0);
  residentsToday = new Int32Array(0);
  newResidentsToday = new Int32Array(0);

  get size(): number {
    return this.ids.size;
  }

  rowOf(merchantId: string): number {
    return this.ids.rowOf(merchantId);
  }

  /** The merchant's row; a new one is first seen at `atMs`. */
  add(merchantId: string, atMs: number): number {
    const { row, isNew } = this.ids.add(merchantId);
    if (!isNew) return row;
    this.totals.reserve(row + 1);
    this.firstAtMs = withRoom(this.firstAtMs, row + 1);
    this.day = withRoom(this.day, row + 1);
    this.residentsToday = withRoom(this.residentsToday, row + 1);
    this.newResidentsToday = withRoom(this.newResidentsToday, row + 1);
    this.firstAtMs[row] = atMs;
    this.day[row] = Math.floor(atMs / 86_400_000);
    return row;
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

/** Resident x merchant: its payments over the 24 h half-life, the last day it was seen, whether one was paid. */
export class PairTable {
  /** Per resident row, the first cell of its list of merchants; a cell is a pair's row. */
  private heads = new Int32Array(0);
  private readonly merchants = new ListPool();
  readonly totals = new DecayingRows([day], false);
  lastDay = new Int32Array(0);
  /** 1 once a payment happened (a pair made by refused attempts only is still new to the resident). */
  paid = new Uint8Array(0);

  get size(): number {
    return this.merchants.size;
  }

  /** The pair's row, or -1 when the resident (-1: none) and the merchant (-1: none) never met. */
  rowOf(resident: number, merchant: number): number {
    if (resident === -1 || merchant === -1) return -1;
    return this.merchants.find(this.heads[resident] ?? -1, merchant);
  }

  /** The pair's row; a new one was never seen on any day and never paid. */
  add(resident: number, merchant: number): number {
    this.heads = withRoom(this.heads, resident + 1, -1);
    const head = this.heads[resident] ?? -1;
    const known = this.merchants.find(head, merchant);
    if (known !== -1) return known;
    const row = this.merchants.append(this.merchants.last(head), merchant);
    if (head === -1) this.heads[resident] = row;
    this.totals.reserve(row + 1);
    this.lastDay = withRoom(this.lastDay, row + 1);
    this.paid = withRoom(this.paid, row + 1);
    this.lastDay[row] = -1;
    return row;
  }

  clear(): void {
    this.heads = new Int32Array(0);
    this.merchants.clear();
    this.totals.clear();
    this.lastDay = new Int32Array(0);
    this.paid = new Uint8Array(0);
  }
}
