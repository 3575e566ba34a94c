// Counts and amounts that fade with time (Jube's decaying counters): one value per half-life, decayed lazily from
// the last update, so an update or a read is O(1) whatever the gap. After exactly one half-life a value is half.

/** The three horizons every decaying feature is kept at. */
export const halfLivesMs = [3_600_000, 86_400_000, 30 * 86_400_000] as const;
export const horizons = ['1h', '24h', '30d'] as const;
export type Horizon = (typeof horizons)[number];

const ln2 = Math.log(2);

/** The factor a value keeps after `elapsedMs` with the given half-life (1 for no time or time running backwards). */
export function decayFactor(elapsedMs: number, halfLifeMs: number): number {
  return elapsedMs <= 0 ? 1 : Math.exp((-elapsedMs * ln2) / halfLifeMs);
}

/** A decaying event count and amount sum at the three horizons. */
export class DecayingTotals {
  readonly counts = new Float64Array(halfLivesMs.length);
  readonly amounts = new Float64Array(halfLivesMs.length);
  atMs = 0;

  /**
   * Adds one event of `amount` at `atMs`, in any order: an event older than the last update (a fare settled after
   * its tap, another wallet instance's outcome arriving late) is added as already decayed from its own time, so the
   * totals are the same whatever order the events came in.
   */
  add(atMs: number, amount: number): void {
    const elapsedMs = atMs - this.atMs;
    for (let index = 0; index < halfLivesMs.length; index += 1) {
      const halfLifeMs = halfLivesMs[index] ?? 1;
      const kept = decayFactor(elapsedMs, halfLifeMs);
      const weight = decayFactor(-elapsedMs, halfLifeMs);
      this.counts[index] = (this.counts[index] ?? 0) * kept + weight;
      this.amounts[index] = (this.amounts[index] ?? 0) * kept + amount * weight;
    }
    if (atMs > this.atMs) this.atMs = atMs;
  }

  countAt(horizon: number, atMs: number): number {
    return (this.counts[horizon] ?? 0) * decayFactor(atMs - this.atMs, halfLivesMs[horizon] ?? 1);
  }

  amountAt(horizon: number, atMs: number): number {
    return (this.amounts[horizon] ?? 0) * decayFactor(atMs - this.atMs, halfLivesMs[horizon] ?? 1);
  }
}
