import assert from 'node:assert/strict';
import test from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { startRuntimeMetrics } from './runtime_metrics.ts';

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

async function points(name: string): Promise<DataPoint<unknown>[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric): DataPoint<unknown>[] => metric.dataPoints),
  );
}

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // hold the event loop, as a long synchronous job in a service would
  }
}

test('a stall of the event loop shows in its delay; memory is reported by kind', async () => {
  const runtime = startRuntimeMetrics();
  try {
    await points('citypass.runtime.event_loop_delay'); // start a fresh interval
    // The stall inside a timer callback, where a service's work runs (a request, a message, a sweep).
    await new Promise<void>((resolve) => {
      setTimeout(() => {
        busyFor(120);
        resolve();
      }, 5);
    });
    await sleep(30);
    const stalled = await points('citypass.runtime.event_loop_delay');
    const maxOf = (all: DataPoint<unknown>[]): number =>
      all.find((point) => point.attributes.quantile === 'max')?.value as number;
    assert.ok(maxOf(stalled) >= 100, `max delay ${String(maxOf(stalled))} ms after a 120 ms stall`);
    const memory = await points('citypass.runtime.memory');
    assert.deepEqual(memory.map((point) => point.attributes.kind).sort(), ['external', 'heap_used', 'rss']);
    assert.ok(memory.every((point) => (point.value as number) > 0));
  } finally {
    runtime.stop();
  }
});

test('a garbage collection is recorded as a pause of its kind', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const runtime = startRuntimeMetrics();
  try {
    gc(); // a full collection: major
    await sleep(20); // performance entries are delivered asynchronously
    const pauses = await points('citypass.runtime.gc_pause');
    const major = pauses.find((point) => point.attributes.kind === 'major');
    assert.ok(major !== undefined, `kinds seen: ${pauses.map((point) => String(point.attributes.kind)).join(', ')}`);
    assert.ok((major.value as Histogram).count >= 1);
  } finally {
    runtime.stop();
  }
});
