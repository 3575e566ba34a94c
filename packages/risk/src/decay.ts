// Counts and amounts that fade with time (Jube's decaying counters): one value per half-life, decayed lazily from
// the last update, so an update or a read is O(1) whatever the gap. After exactly one half-life a value is half.
import assert from 'node:assert/strict';
import { withRoom } from './rows.ts';

/** The three horizons every decaying feature is kept at. */
export const halfLivesMs = [3_600_000, 86_400_000, 30 * 86_400_000] as const;
export const horizons = ['1h', '24h', '30d'] as const;
export type Horizon = (typeof horizons)[number];

const ln2 = Math.log(2);

/** The factor a value keeps after `elapsedMs` with the given half-life (1 for no time or time running backwards). */
export function decayFactor(elapsedMs: number, halfLifeMs: number): number {
  return elapsedMs <= 0 ? 1 : Math.exp((-elapsedMs * ln2) / halfLifeMs);
}

/**
 * Decaying counts, and amounts when asked, of many entities at the horizons their features read, one row of doubles
 * each in one shared array: [last update, a count per kept horizon, an amount per kept horizon]. A horizon decays
 * apart from the others, so keeping fewer changes none of the kept values. With a horizon, a row not updated for
 * longer than it reads as nothing and starts again from nothing on its next event (a value that decayed for that
 * long is forgotten rather than kept at a fraction: the row can then be evicted without changing what is read).
 */
export class DecayingRows {
  private data = new Float64Array(0);
  private readonly kept: readonly number[];
  /** Each horizon's position among the kept ones; -1 when not kept. */
  private readonly position = new Int8Array(halfLivesMs.length).fill(-1);
  private readonly amounts: boolean;
  private readonly width: number;
  private readonly horizonMs: number;

  /**
   * `kept`: the horizons (indexes into halfLivesMs) kept; `amounts`: whether amount sums are kept too; `horizonMs`:
   * how long a row not updated is still read.
   */
  constructor(kept: readonly number[], amounts: boolean, horizonMs = Number.POSITIVE_INFINITY) {
    this.kept = kept;
    this.horizonMs = horizonMs;
    for (const [position, horizon] of kept.entries()) this.position[horizon] = position;
    this.amounts = amounts;
    this.width = 1 + kept.length * (amounts ? 2 : 1);
  }

  /** Makes room for rows 0 to `rows` - 1 (a new row has counted nothing). */
  reserve(rows: number): void {
    this.data = withRoom(this.data, rows * this.width);
  }

  /**
   * Adds one event of `amount` at `atMs` to `row`, in any order: an event older than the row's last update (a fare
   * settled after its tap, another wallet instance's outcome arriving late) is added as already decayed from its own
   * time, so the totals are the same whatever order the events came in.
   */
  add(row: number, atMs: number, amount: number): void {
    const base = row * this.width;
    if (atMs - (this.data[base] ?? 0) > this.horizonMs) this.reset(row);
    const lastAtMs = this.data[base] ?? 0;
    const elapsedMs = atMs - lastAtMs;
    const count = this.kept.length;
    for (let position = 0; position < count; position += 1) {
      const halfLifeMs = halfLivesMs[this.kept[position] ?? 0] ?? 1;
      const kept = decayFactor(elapsedMs, halfLifeMs);
      const weight = decayFactor(-elapsedMs, halfLifeMs);
      const at = base + 1 + position;
      this.data[at] = (this.data[at] ?? 0) * kept + weight;
      if (this.amounts) this.data[at + count] = (this.data[at + count] ?? 0) * kept + amount * weight;
    }
    if (atMs > lastAtMs) this.data[base] = atMs;
  }

  countAt(row: number, horizon: number, atMs: number): number {
    return this.valueAt(row, this.slot(horizon), horizon, atMs);
  }

  amountAt(row: number, horizon: number, atMs: number): number {
    assert(this.amounts, 'amounts are kept');
    return this.valueAt(row, this.slot(horizon) + this.kept.length, horizon, atMs);
  }

  /** When `row` last counted an event (0 before the first). */
  lastAtMs(row: number): number {
    return this.data[row * this.width] ?? 0;
  }

  /** Makes `row` a row that counted nothing (a new entity's, or one past the horizon). */
  reset(row: number): void {
    this.data.fill(0, row * this.width, (row + 1) * this.width);
  }

  clear(): void {
    this.data = new Float64Array(0);
  }

  private slot(horizon: number): number {
    const position = this.position[horizon] ?? -1;
    assert(position !== -1, 'the horizon is kept');
    return 1 + position;
  }

  private valueAt(row: number, slot: number, horizon: number, atMs: number): number {
    const base = row * this.width;
    const elapsedMs = atMs - (this.data[base] ?? 0);
    if (elapsedMs > this.horizonMs) return 0;
    return (this.data[base + slot] ?? 0) * decayFactor(elapsedMs, halfLivesMs[horizon] ?? 1);
  }
}

const everyHorizon = halfLivesMs.map((_, index) => index);

/** A decaying event count and amount sum at the three horizons, of one entity. */
export class DecayingTotals {
  private readonly row = new DecayingRows(everyHorizon, true);

  constructor() {
    this.row.reserve(1);
  }

  /** When the last event was added (0 before the first). */
  get atMs(): number {
    return this.row.lastAtMs(0);
  }

  /** Adds one event of `amount` at `atMs`, in any order (see DecayingRows.add). */
  add(atMs: number, amount: number): void {
    this.row.add(0, atMs, amount);
  }

  countAt(horizon: number, atMs: number): number {
    return this.row.countAt(0, horizon, atMs);
  }

  amountAt(horizon: number, atMs: number): number {
    return this.row.amountAt(0, horizon, atMs);
  }
}
