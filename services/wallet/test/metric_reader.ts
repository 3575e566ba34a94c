// A meter provider made global when this module loads, so import it before anything that creates instruments (the
// wallet's metrics.ts makes them as it loads): a test then reads the wallet's counters as they stand.
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

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

/** The counter `name`'s value per attribute set, keyed by the attributes' values joined with '/' (in their order). */
export async function counterValues(name: string): Promise<Map<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const values = new Map<string, number>();
  for (const scope of resourceMetrics.scopeMetrics)
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints)
        if (typeof point.value === 'number') values.set(Object.values(point.attributes).join('/'), point.value);
    }
  return values;
}
