// Rolling per-minute figures kept in memory for the live views: the last `minutes` whole minutes and the current one.
// Counters add up within a minute (taps, authorizations, declines per reason); gauges keep a minute's highest value
// (settlement backlog, revocation lag). Older minutes fall off as time passes: the memory is bounded. Pure.

export interface MinuteValue {
  /** The minute's start, epoch ms. */
  readonly minuteMs: number;
  readonly value: number;
}

const minuteMs = 60_000;

export class PerMinute {
  readonly #minutes: number;
  /** Minute start -> value; at most `minutes + 1` entries. */
  readonly #values = new Map<number, number>();

  constructor(minutes: number) {
    this.#minutes = minutes;
  }

  add(atMs: number, amount = 1): void {
    const minute = Math.floor(atMs / minuteMs) * minuteMs;
    this.#values.set(minute, (this.#values.get(minute) ?? 0) + amount);
    this.#prune(minute);
  }

  /** A gauge: the minute keeps the highest value seen in it. */
  observe(atMs: number, value: number): void {
    const minute = Math.floor(atMs / minuteMs) * minuteMs;
    this.#values.set(minute, Math.max(this.#values.get(minute) ?? value, value));
    this.#prune(minute);
  }

  /** The window ending with the minute of `nowMs`, oldest first, minutes with nothing as 0. */
  series(nowMs: number): MinuteValue[] {
    const current = Math.floor(nowMs / minuteMs) * minuteMs;
    return Array.from({ length: this.#minutes + 1 }, (_, index) => {
      const minute = current - (this.#minutes - index) * minuteMs;
      return { minuteMs: minute, value: this.#values.get(minute) ?? 0 };
    });
  }

  /** The sum over the window ending at `nowMs`. */
  total(nowMs: number): number {
    return this.series(nowMs).reduce((sum, each) => sum + each.value, 0);
  }

  #prune(current: number): void {
    for (const minute of this.#values.keys())
      if (minute < current - this.#minutes * minuteMs) this.#values.delete(minute);
  }
}
