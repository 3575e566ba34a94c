// What the Node runtime itself costs a service, for an operator to graph beside its request latency: how late the
// event loop runs callbacks (a gate's Tap waits behind whatever else holds the loop), how long garbage collection
// stops the process, and how much memory it holds. Started once per process by startTelemetry.
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { metrics, type BatchObservableCallback } from '@opentelemetry/api';

/** The event-loop delay histogram's resolution: finer costs more timer wake-ups than it tells. */
const delayResolutionMs = 10;

export interface RuntimeMetrics {
  stop(): void;
}

const gcKinds: ReadonlyMap<number, string> = new Map([
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_MINOR_MARK_SWEEP, 'minor'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

export function startRuntimeMetrics(): RuntimeMetrics {
  const meter = metrics.getMeter('citypass.runtime');
  const delay = monitorEventLoopDelay({ resolution: delayResolutionMs });
  delay.enable();

  // The delay is sampled by a libuv timer, so it sees stalls in callbacks (every request a service handles), not
  // in a module's top-level code. Each collection reports the delay since the previous one, so a stall shows in the interval it happened in.
  const loopDelay = meter.createObservableGauge('citypass.runtime.event_loop_delay', {
    description: 'Event-loop delay since the last collection, by quantile (p50, p99, max)',
    unit: 'ms',
  });
  const memory = meter.createObservableGauge('citypass.runtime.memory', {
    description: 'Process memory by kind (rss, heap_used, external)',
    unit: 'By',
  });
  const observe: BatchObservableCallback = (result) => {
    if (delay.count > 0) {
      result.observe(loopDelay, delay.percentile(50) / 1e6, { quantile: 'p50' });
      result.observe(loopDelay, delay.percentile(99) / 1e6, { quantile: 'p99' });
      result.observe(loopDelay, delay.max / 1e6, { quantile: 'max' });
    }
    delay.reset();
    const usage = process.memoryUsage();
    result.observe(memory, usage.rss, { kind: 'rss' });
    result.observe(memory, usage.heapUsed, { kind: 'heap_used' });
    result.observe(memory, usage.external, { kind: 'external' });
  };
  meter.addBatchObservableCallback(observe, [loopDelay, memory]);

  const gcPause = meter.createHistogram('citypass.runtime.gc_pause', {
    description: 'Garbage-collection pauses by kind (major, minor, incremental, weakcb)',
    unit: 'ms',
    advice: { explicitBucketBoundaries: [0.5, 1, 2, 5, 10, 25, 50, 100, 250] },
  });
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) recordGc(entry);
  });
  const recordGc = (entry: PerformanceEntry): void => {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
    gcPause.record(entry.duration, { kind: gcKinds.get(kind) ?? 'other' });
  };
  gc.observe({ entryTypes: ['gc'] });

  return {
    stop() {
      gc.disconnect();
      meter.removeBatchObservableCallback(observe, [loopDelay, memory]);
      delay.disable();
    },
  };
}
