// Forgets the residents' used presentations once they could no longer be accepted anyway (app/resident_access.ts),
// in bounded batches, so the table holds about a minute and a half of reads.
import type { Logger } from '@citypass/platform/log';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import type { HealthBillingStore } from '../app/store.ts';

const batchSize = 1_000;

export async function sweepPresentations(store: HealthBillingStore, nowMs: number): Promise<number> {
  let swept = 0;
  for (let batch = 0; batch < 10; batch++) {
    const count = await store.presentations.sweep(nowMs, batchSize);
    swept += count;
    if (count < batchSize) break;
  }
  return swept;
}

export function startPresentationSweeper(
  store: HealthBillingStore,
  now: () => number,
  intervalMs: number,
  logger: Logger,
): PeriodicJob {
  return runPeriodically({ name: 'health-billing-presentation-sweeper', intervalMs, logger }, async () => {
    await sweepPresentations(store, now());
  });
}
