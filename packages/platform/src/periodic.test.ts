import assert from 'node:assert/strict';
import test from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import type { Logger } from './log.ts';

// The runner's instruments are made when periodic.ts loads: the meter provider must be global before that.
class TestReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
const reader = new TestReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
const { runPeriodically } = await import('./periodic.ts');

interface Entry {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

function recordingLogger(): { logger: Logger; entries: Entry[] } {
  const entries: Entry[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      entries.push({ level, message, fields });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return { logger, entries };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadlineMs, 'condition not met in time');
    await sleep(5);
  }
}

/** Read through a call: the assertions before would narrow a direct read of `runs` to their literal. */
function runsOf(count: { runs: number }): number {
  return count.runs;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function points(name: string): Promise<DataPoint<unknown>[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]);
}

test('periodic - runs at start only when asked, then once per interval', async () => {
  const count = { runs: 0 };
  const task = (): Promise<void> => {
    count.runs++;
    return Promise.resolve();
  };
  const later = runPeriodically({ name: 'later', intervalMs: 40 }, task);
  assert.equal(count.runs, 0, 'no run before the first interval');
  await later.stop();
  const startedAtMs = performance.now();
  const atOnce = runPeriodically({ name: 'at once', intervalMs: 40, runAtStart: true }, task);
  assert.equal(count.runs, 1, 'one run at start');
  await until(() => runsOf(count) >= 3);
  await atOnce.stop();
  const stoppedAt = runsOf(count);
  // libuv keeps its loop time in whole milliseconds, so a timer may fire up to 1 ms before performance.now() says
  // its interval has passed (CI saw "3 runs in 80 ms at 40 ms": 79.9 ms by this clock).
  const elapsedMs = performance.now() - startedAtMs + 1;
  assert.ok(stoppedAt <= 1 + Math.floor(elapsedMs / 40), `${stoppedAt} runs in ${Math.round(elapsedMs)} ms at 40 ms`);
  await sleep(100);
  assert.equal(count.runs, stoppedAt, 'no run after stop');
});

test('periodic - a tick while a run is going is skipped and counted; never two runs at a time', async () => {
  const { logger, entries } = recordingLogger();
  const release = deferred();
  const count = { running: 0, most: 0, runs: 0 };
  const job = runPeriodically({ name: 'slow job', intervalMs: 10, logger, runAtStart: true }, async () => {
    count.runs++;
    count.running++;
    count.most = Math.max(count.most, count.running);
    if (count.runs === 1) await release.promise;
    count.running--;
  });
  await until(() => entries.filter((entry) => entry.message === 'slow job still running, tick skipped').length >= 3);
  assert.equal(count.runs, 1, 'the ticks during the first run started nothing');
  release.resolve();
  await until(() => runsOf(count) >= 2);
  await job.stop();
  assert.equal(count.most, 1);
  assert.ok(runsOf(count) >= 2, 'ticks after the slow run run again');
  const skipped = (await points('citypass.periodic.skipped')).find(
    (point) => point.attributes['citypass.job'] === 'slow job',
  );
  assert.ok(
    skipped !== undefined && (skipped.value as number) >= 3,
    `skipped ticks counted: ${String(skipped?.value)}`,
  );
  assert.ok(
    entries.some((entry) => entry.level === 'warn' && entry.message === 'slow job ran longer than its interval'),
    'the overrun is logged',
  );
});

test('periodic - a failed run is logged with its error and counted, and the next tick runs again', async () => {
  const { logger, entries } = recordingLogger();
  const count = { runs: 0 };
  const job = runPeriodically({ name: 'flaky job', intervalMs: 15, logger, runAtStart: true }, () => {
    count.runs++;
    return count.runs === 1 ? Promise.reject(new Error('database away')) : Promise.resolve();
  });
  await until(() => runsOf(count) >= 2);
  await job.stop();
  const runs = count.runs;
  assert.ok(runs >= 2, 'the job ran again after failing');
  const failures = entries.filter((entry) => entry.level === 'error');
  assert.equal(failures.length, 1);
  const [failure] = failures;
  assert.equal(failure?.message, 'flaky job failed');
  assert.equal((failure.fields?.error as Error | undefined)?.message, 'database away');
  const durations = (await points('citypass.periodic.duration')).filter(
    (point) => point.attributes['citypass.job'] === 'flaky job',
  );
  const countOf = (outcome: string): number =>
    (durations.find((point) => point.attributes.outcome === outcome)?.value as Histogram | undefined)?.count ?? 0;
  assert.equal(countOf('failed'), 1);
  assert.equal(countOf('ok'), runs - 1);
  const lag = (await points('citypass.periodic.lag')).find((point) => point.attributes['citypass.job'] === 'flaky job');
  assert.equal((lag?.value as Histogram | undefined)?.count, runs, 'each run records its start lag');
});

test('periodic - stop aborts the run signal and resolves only when the run in progress has finished', async () => {
  const release = deferred();
  let finished = false;
  let aborted = false;
  const job = runPeriodically({ name: 'stopping job', intervalMs: 1_000, runAtStart: true }, async (signal) => {
    signal.addEventListener('abort', () => {
      aborted = true;
    });
    await release.promise;
    finished = true;
  });
  let stopped = false;
  const stopping = job.stop().then(() => {
    stopped = true;
  });
  await sleep(20);
  assert.equal(aborted, true, 'the run is told to hurry');
  assert.equal(stopped, false, 'stop waits for the run');
  release.resolve();
  await stopping;
  assert.equal(finished, true);
});
