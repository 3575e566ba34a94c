// The one runner for work that repeats by itself (retention, key reloads, resyncs, expiries): a run every
// `intervalMs` (optionally one at start), never two at a time (a tick that finds the last run still going is
// skipped and counted), a failed run logged and retried at the next tick. `stop` clears the timer and waits for
// the run in progress, so the pool and the bus are not closed under it; the run's signal is aborted to hurry it.
// Each run's duration and start lag (how late it began after its tick was due) are recorded by job and outcome.
import { metrics } from '@opentelemetry/api';
import type { Logger } from './log.ts';

export interface PeriodicOptions {
  /** Names the job in logs and metrics, e.g. "revocation resync". */
  readonly name: string;
  readonly intervalMs: number;
  readonly logger?: Logger;
  /** Run once at once, before the first interval passes. Default false. */
  readonly runAtStart?: boolean;
}

export interface PeriodicJob {
  /** Stops ticking and resolves when the run in progress (if any) has finished. */
  stop(): Promise<void>;
}

const meter = metrics.getMeter('@citypass/platform/periodic');
const runDuration = meter.createHistogram('citypass.periodic.duration', {
  description: 'Duration of periodic job runs, by job and outcome',
  unit: 'ms',
});
const startLag = meter.createHistogram('citypass.periodic.lag', {
  description: 'How late a periodic job run started after its tick was due (event loop delay)',
  unit: 'ms',
});
const skippedTicks = meter.createCounter('citypass.periodic.skipped', {
  description: 'Ticks skipped because the previous run of the job was still going',
});

export function runPeriodically(options: PeriodicOptions, task: (signal: AbortSignal) => Promise<void>): PeriodicJob {
  const { name, intervalMs, logger } = options;
  const job = { 'citypass.job': name };
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  let dueAtMs = performance.now();

  const run = (): void => {
    const startedAtMs = performance.now();
    startLag.record(Math.max(0, startedAtMs - dueAtMs), job);
    running = task(abort.signal)
      .then(
        () => {
          finish(startedAtMs, 'ok');
        },
        (error: unknown) => {
          finish(startedAtMs, 'failed');
          logger?.error(`${name} failed`, { job: name, error });
        },
      )
      .finally(() => {
        running = undefined;
      });
  };
  const finish = (startedAtMs: number, outcome: 'ok' | 'failed'): void => {
    const durationMs = performance.now() - startedAtMs;
    runDuration.record(durationMs, { ...job, outcome });
    if (durationMs > intervalMs)
      logger?.warn(`${name} ran longer than its interval`, {
        job: name,
        durationMs: Math.round(durationMs),
        intervalMs,
      });
  };
  const tick = (): void => {
    dueAtMs += intervalMs;
    if (abort.signal.aborted) return;
    if (running !== undefined) {
      skippedTicks.add(1, job);
      logger?.debug(`${name} still running, tick skipped`, { job: name });
      return;
    }
    run();
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref();
  if (options.runAtStart === true) run();
  return {
    async stop() {
      abort.abort();
      clearInterval(timer);
      await running;
    },
  };
}
