// Runs settlement in the background: every interval, the riders with something to do are settled, a few at a
// time. A rider another instance is settling is skipped (its lease) and comes back on a later tick.
import { trace } from '@opentelemetry/api';
import { inSpan } from '@citypass/platform/spans';
import type { Logger } from '@citypass/platform/log';
import { runPeriodically } from '@citypass/platform/periodic';
import { transitMetrics } from '../metrics.ts';
import { settleRider, type SettleOutcome } from '../app/settle_rider.ts';
import type { SettlementDeps } from '../app/settlement_deps.ts';
import { walletReasons } from '@citypass/contracts';

const tracer = trace.getTracer('citypass.transit.settlement');

/** One rider's settlement as a span: the wallet calls it makes over NATS carry it (traceparent) into the ledger. */
function tracedSettle(deps: SettlementDeps, residentId: string): Promise<SettleOutcome> {
  return inSpan(tracer, 'transit settle rider', {}, async (span) => {
    const outcome = await settleRider(deps, residentId);
    span.setAttribute('citypass.settlement.outcome', outcome);
    return outcome;
  });
}

export interface Settler {
  /** Settles every due rider now (tests, shutdown); resolves when the pass is over. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A fare declined for a spending limit (not for money) needs no top-up: it is tried again an hour after each
 * decline, so the resident leaves the deny list once the limit allows it (the next day at the latest).
 */
async function retryLimitDeclines(deps: SettlementDeps): Promise<void> {
  await deps.store.steps.retryDeclinedFor(
    [walletReasons.RISK_DAILY_LIMIT, walletReasons.RISK_CREDENTIAL_CAP],
    deps.now() - 3_600_000,
  );
}

export function startSettler(
  deps: SettlementDeps,
  options: {
    intervalMs: number;
    concurrency: number;
    logger: Logger;
    /** Told the backlog each pass began with (the live views' settlement backlog). */
    onBacklog?: (ridersDue: number) => void;
  },
): Settler {
  let running: Promise<number> | undefined;
  let backlog = 0;
  let stopped = false;
  transitMetrics.settlementBacklog.addCallback((result) => {
    result.observe(backlog);
  });

  const pass = async (): Promise<number> => {
    await retryLimitDeclines(deps);
    const riders = await deps.store.riders.due(1_000, deps.now());
    backlog = riders.length;
    options.onBacklog?.(backlog);
    let settled = 0;
    const queue = [...riders];
    const worker = async (): Promise<void> => {
      for (let residentId = queue.shift(); residentId !== undefined && !stopped; residentId = queue.shift()) {
        try {
          if ((await tracedSettle(deps, residentId)) !== 'busy') settled++;
        } catch (error) {
          options.logger.warn('settlement of a rider failed; retried on a later pass', { residentId, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, worker));
    return settled;
  };
  const runOnce = (): Promise<number> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  // The platform's runner skips a tick while a pass runs, reports failures and lag, and waits for the run at stop.
  const job = runPeriodically(
    { name: 'transit settlement', intervalMs: options.intervalMs, logger: options.logger },
    async () => {
      await runOnce();
    },
  );
  return {
    runOnce: async () => {
      await running;
      return runOnce();
    },
    async stop() {
      stopped = true;
      await job.stop();
      await running?.catch(() => undefined);
    },
  };
}
