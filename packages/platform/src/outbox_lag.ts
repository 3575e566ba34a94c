// The relay's lag: unpublished rows and the age of the oldest, read on demand and as gauges.
import { metrics } from '@opentelemetry/api';
import type { Queryable } from './pg.ts';

/** Unpublished rows and the age of the oldest: the relay's lag, for a gauge and an alert. */
export async function relayLag(pool: Queryable): Promise<{ unpublished: number; oldestAgeMs: number }> {
  const { rows } = await pool.query<{ unpublished: string; oldest_age_ms: number | null }>(
    `SELECT count(*) AS unpublished,
            (extract(epoch FROM now() - min(created_at)) * 1000)::float8 AS oldest_age_ms
       FROM outbox WHERE published_at IS NULL`,
  );
  const row = rows[0];
  return { unpublished: Number(row?.unpublished ?? 0), oldestAgeMs: Math.max(0, Math.round(row?.oldest_age_ms ?? 0)) };
}

/** Reports the relay's lag as gauges on each metrics scrape (one cheap indexed query). */
export function observeOutboxLag(pool: Queryable): void {
  const meter = metrics.getMeter('@citypass/platform/outbox');
  const unpublished = meter.createObservableGauge('citypass.outbox.unpublished', {
    description: 'Events written but not yet relayed',
  });
  const oldestAge = meter.createObservableGauge('citypass.outbox.oldest_age', {
    description: 'Age of the oldest unrelayed event',
    unit: 'ms',
  });
  meter.addBatchObservableCallback(
    async (observer) => {
      const lag = await relayLag(pool);
      observer.observe(unpublished, lag.unpublished);
      observer.observe(oldestAge, lag.oldestAgeMs);
    },
    [unpublished, oldestAge],
  );
}
