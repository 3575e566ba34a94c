// About once a second: adds the declines this process counted to the database (one statement), then hands what it
// counted to `published` (the live feed on NATS). A failed write keeps the declines for the next run.
import type { Logger } from '@citypass/platform/log';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import type { AuthorizationCounter, CountedAuthorizations } from '../app/authorization_counts.ts';
import type { WalletStore } from '../app/store.ts';

export type CountsPublisher = (counted: CountedAuthorizations) => void;

export async function flushAuthorizationCounts(
  store: WalletStore,
  counter: AuthorizationCounter,
  logger: Logger,
  published: CountsPublisher,
): Promise<void> {
  const counted = counter.take();
  if (counted.dropped > 0)
    logger.warn('authorizations not counted: too many distinct services and reasons at once', {
      dropped: counted.dropped,
    });
  if (counted.declines.length > 0) {
    try {
      await store.declines.add(counted.declines);
    } catch (error) {
      counter.giveBack(counted.declines);
      throw error;
    }
  }
  if (counted.declines.length > 0 || counted.approved.length > 0) published(counted);
}

export function startAuthorizationCountsFlush(
  store: WalletStore,
  counter: AuthorizationCounter,
  options: { intervalMs: number; logger: Logger; published: CountsPublisher },
): PeriodicJob {
  return runPeriodically({ name: 'authorization counts', intervalMs: options.intervalMs, logger: options.logger }, () =>
    flushAuthorizationCounts(store, counter, options.logger, options.published),
  );
}
