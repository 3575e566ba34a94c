// Small helpers shared by the benchmarks: one JSON line per figure, medians and percentiles, time-bounded loops,
// load phases, and a floor's own server process (started, measured, stopped).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { serviceEnvironment, serviceNodeFlags } from '../deploy/node_flags.ts';

/**
 * BENCH_SMOKE=1: the smallest run that still goes through every phase (test/bench_smoke.test.ts runs each bench so,
 * so none can rot). Its figures mean nothing; nothing reads them as timings.
 */
export const smoke = process.env.BENCH_SMOKE === '1';

/**
 * Every figure says what it is measured against (issue 12): the floor of the same physical work measured in the same
 * run, and the ratio to it (computed here, value / floor); or, where no floor exists, `floor: null` and why.
 */
export type FloorFields = { floor: number } | { floor: null; floor_missing: string };

export type Figure = { bench: string; metric: string; value: number | null; unit: string } & FloorFields &
  Record<string, unknown>;

/** The `floor` fields of a figure that is itself a floor (or a part of one). */
export const isFloor = { floor: null, floor_missing: 'this is a floor' } as const;

/** Rounds to two decimals, as every figure is printed. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Prints one figure as one JSON line on stdout, with its ratio to its floor. */
export function emit(figure: Figure): void {
  if (typeof figure.floor === 'number' && !Number.isFinite(figure.floor)) {
    // A floor with no samples (a smoke run too short for it) is printed as missing, with the reason.
    emit({ ...figure, floor: null, floor_missing: 'the floor had no samples in this run' });
    return;
  }
  const ratio =
    typeof figure.floor === 'number' && typeof figure.value === 'number' && figure.floor !== 0
      ? round2(figure.value / figure.floor)
      : null;
  const line = figure.floor === null ? figure : { ...figure, ratio };
  process.stdout.write(`${JSON.stringify(line)}\n`);
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

/** What a load phase saw: each answered call's latency (ms), the calls that failed, and the rate achieved. */
export type PhaseResult = { readonly latencies: number[]; readonly failed: number; readonly opsPerSecond: number };

async function timedCall(call: (index: number) => Promise<unknown>, index: number): Promise<number | undefined> {
  const started = performance.now();
  try {
    await call(index);
    return performance.now() - started;
  } catch {
    return undefined;
  }
}

/** One call at a time for durationMs (at most maxOps calls). */
export async function sequentialPhase(
  durationMs: number,
  maxOps: number,
  call: (index: number) => Promise<unknown>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  for (let index = 0; index < maxOps && performance.now() < started + durationMs; index++) {
    const ms = await timedCall(call, index);
    if (ms === undefined) failed++;
    else latencies.push(ms);
  }
  return { latencies, failed, opsPerSecond: ((latencies.length + failed) * 1000) / (performance.now() - started) };
}

/** An open loop: `count` calls started every 1/ratePerS seconds, whatever the answers do. */
export async function openLoopPhase(
  ratePerS: number,
  count: number,
  call: (index: number) => Promise<unknown>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let failed = 0;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    const wait = started + (index * 1000) / ratePerS - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      timedCall(call, index).then((ms) => {
        if (ms === undefined) failed++;
        else latencies.push(ms);
      }),
    );
  }
  await Promise.all(pending);
  return { latencies, failed, opsPerSecond: (count * 1000) / (performance.now() - started) };
}

/** A closed loop: `inFlight` callers, each starting its next call when the last answered, for durationMs. */
export async function closedLoopPhase(
  inFlight: number,
  durationMs: number,
  maxOps: number,
  call: (index: number) => Promise<unknown>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end && next < maxOps) {
        const ms = await timedCall(call, next++);
        if (ms === undefined) failed++;
        else latencies.push(ms);
      }
    }),
  );
  return { latencies, failed, opsPerSecond: ((latencies.length + failed) * 1000) / (performance.now() - started) };
}

/** make(0) ... make(count - 1), at most `limit` at a time (setup that must not swamp a service on a loaded machine). */
export async function inBatches<T>(count: number, limit: number, make: (index: number) => Promise<T>): Promise<T[]> {
  const made: T[] = [];
  for (let start = 0; start < count; start += limit)
    made.push(
      ...(await Promise.all(Array.from({ length: Math.min(limit, count - start) }, (_, i) => make(start + i)))),
    );
  return made;
}

/** A bench's own server process (a floor's responder): its pid, the line it printed when ready, and a stop. */
export interface BenchServer {
  readonly pid: number;
  /** The match of `ready` in the server's stdout (e.g. the port it listens on). */
  readonly ready: RegExpExecArray;
  /** Peak resident set size so far, in MB (see peakRssMb). */
  peakRssMb(): number | null;
  /** SIGTERM, then waits for it to exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `node <file>` with only PATH, the services' environment and `env` in its environment (a service's own
 * process, as a floor's server must be, with the V8 flags of `like`, the service it is the floor of), and waits
 * until its stdout matches `ready`; stderr goes to this process's.
 */
export async function startBenchServer(
  file: string,
  like: string,
  env: Readonly<Record<string, string>>,
  ready: RegExp,
): Promise<BenchServer> {
  // The service's V8 flags and environment (deploy/node_flags.ts: its semi-space, MALLOC_ARENA_MAX): a floor's
  // memory and CPU are measured on the same runtime settings.
  const child = spawn(process.execPath, [...serviceNodeFlags(like), file], {
    env: { PATH: process.env.PATH ?? '', ...serviceEnvironment, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = ready.exec(output);
      if (found) resolve(found);
    });
    void exited.then(() => {
      reject(new Error(`${file} exited with ${String(child.exitCode ?? child.signalCode)} before it was ready`));
    });
  });
  const pid = child.pid ?? -1;
  return {
    pid,
    ready: match,
    peakRssMb: () => peakRssMb(pid),
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * A process's peak resident set size so far (VmHWM in /proc/<pid>/status), in MB of 10^6 bytes; null where it
 * cannot be read (the process has ended, or not Linux). Read it before stopping the process.
 */
export function peakRssMb(pid: number): number | null {
  try {
    const found = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return found ? round2((Number(found[1]) * 1024) / 1e6) : null;
  } catch {
    return null;
  }
}

/** The answered calls per second of a phase (its opsPerSecond counts the failed ones too). */
export function answeredPerSecond(result: PhaseResult): number {
  const calls = result.latencies.length + result.failed;
  return calls === 0 ? 0 : (result.opsPerSecond * result.latencies.length) / calls;
}
