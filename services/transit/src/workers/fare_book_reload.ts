// Reloads the fare book every 30 s, so every transit instance prices with an operator's new version soon after
// another instance took it (versions take effect from a later service day, so the delay never changes a day's fares).
import type { Logger } from '@citypass/platform/log';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import type { FareBook } from '../app/fare_book.ts';

export function startFareBookReload(fares: FareBook, logger: Logger, intervalMs = 30_000): PeriodicJob {
  return runPeriodically({ name: 'fare rules reload', intervalMs, logger }, () => fares.reload());
}
