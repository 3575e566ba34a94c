// Small helpers shared by the benchmarks: one JSON line per figure, medians and percentiles, time-bounded loops.

/**
 * BENCH_SMOKE=1: the smallest run that still goes through every phase (test/bench_smoke.test.ts runs each bench so,
 * so none can rot). Its figures mean nothing; nothing reads them as timings.
 */
export const smoke = process.env.BENCH_SMOKE === '1';

export type Figure = { bench: string; metric: string; value: number | null; unit: string } & Record<string, unknown>;

/** Prints one figure as one JSON line on stdout. */
export function emit(figure: Figure): void {
  process.stdout.write(`${JSON.stringify(figure)}\n`);
}

/** The p-th percentile (0-100, nearest rank) of the values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** The median; for an even count the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

export type LoopResult = { readonly ops: number; readonly elapsedMs: number; readonly opsPerSecond: number };

const clockCheckEvery = 32;

/** Runs step(0), step(1), ... until durationMs have passed or maxOps ran. */
export function timedLoop(durationMs: number, maxOps: number, step: (index: number) => void): LoopResult {
  const startedAtMs = performance.now();
  const deadlineMs = startedAtMs + durationMs;
  let ops = 0;
  while (ops < maxOps) {
    step(ops);
    ops += 1;
    if (ops % clockCheckEvery === 0 && performance.now() >= deadlineMs) break;
  }
  return loopResult(ops, performance.now() - startedAtMs);
}

/** timedLoop for asynchronous steps, awaited one at a time. */
export async function timedLoopAsync(
  durationMs: number,
  maxOps: number,
  step: (index: number) => Promise<unknown>,
): Promise<LoopResult> {
  const startedAtMs = performance.now();
  const deadlineMs = startedAtMs + durationMs;
  let ops = 0;
  while (ops < maxOps) {
    await step(ops);
    ops += 1;
    if (ops % clockCheckEvery === 0 && performance.now() >= deadlineMs) break;
  }
  return loopResult(ops, performance.now() - startedAtMs);
}

function loopResult(ops: number, elapsedMs: number): LoopResult {
  return { ops, elapsedMs, opsPerSecond: (ops * 1000) / elapsedMs };
}
