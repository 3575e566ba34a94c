// About once a second: writes the risk decisions that made no hold (declines, step-ups) in one statement, so an
// operator can look one up (GetRiskDecision). A failed write keeps them for the next run.
import type { Logger } from '@citypass/platform/log';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import type { RefusedDecisions } from '../app/refused_decisions.ts';
import type { WalletStore } from '../app/store.ts';

/** At most this many rows per statement; the rest wait for the next run. */
const maxBatch = 1_000;

export async function flushRefusedDecisions(store: WalletStore, refused: RefusedDecisions, logger: Logger) {
  const { records, dropped } = refused.take();
  if (dropped > 0) logger.warn('risk decisions not stored: too many declines waiting', { dropped });
  for (let start = 0; start < records.length; start += maxBatch) {
    const batch = records.slice(start, start + maxBatch);
    try {
      await store.riskDecisions.addRefused(batch);
    } catch (error) {
      refused.giveBack(records.slice(start));
      throw error;
    }
  }
}

export function startRiskDecisionsFlush(
  store: WalletStore,
  refused: RefusedDecisions,
  options: { intervalMs: number; logger: Logger },
): PeriodicJob {
  return runPeriodically({ name: 'risk decisions', intervalMs: options.intervalMs, logger: options.logger }, () =>
    flushRefusedDecisions(store, refused, options.logger),
  );
}
