// Adds the declines this process counted to the database about once a second (one statement), then hands the batch
// to `published` (the live feed on NATS). A failed write keeps the counts for the next run.
import type { Logger } from '@citypass/platform/log';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import type { DeclineCounter } from '../app/decline_counts.ts';
import type { DeclineCount, WalletStore } from '../app/store.ts';

export async function flushDeclines(
  store: WalletStore,
  counter: DeclineCounter,
  logger: Logger,
  published: (counts: readonly DeclineCount[]) => void,
): Promise<void> {
  const { counts, dropped } = counter.take();
  if (dropped > 0) logger.warn('declines not counted: too many distinct services and reasons at once', { dropped });
  if (counts.length === 0) return;
  try {
    await store.declines.add(counts);
  } catch (error) {
    counter.giveBack(counts);
    throw error;
  }
  published(counts);
}

export function startDeclineFlush(
  store: WalletStore,
  counter: DeclineCounter,
  options: { intervalMs: number; logger: Logger; published: (counts: readonly DeclineCount[]) => void },
): PeriodicJob {
  return runPeriodically({ name: 'decline counts', intervalMs: options.intervalMs, logger: options.logger }, () =>
    flushDeclines(store, counter, options.logger, options.published),
  );
}
