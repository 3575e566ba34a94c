// Runs settlement in the background: every interval, the riders with something to do are settled, a few at a
// time. A rider another instance is settling is skipped (its lease) and comes back on a later tick.
// When the wallet says it is overloaded, settlement backs off instead of sending every other rider's fare into the
// same overload: see WalletPressure.
import { trace } from '@opentelemetry/api';
import { Backoff, Wakeup } from '@citypass/platform/backoff';
import { inSpan } from '@citypass/platform/spans';
import { isDomainError } from '@citypass/platform/errors';
import type { Logger } from '@citypass/platform/log';
import { runPeriodically } from '@citypass/platform/periodic';
import { commonReasons } from '@citypass/platform/reasons';
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

/** Answers that say the wallet (or the way to it) is overloaded, not that the fare is refused. */
const pressureReasons = new Set<string>([
  walletReasons.WALLET_OVERLOADED,
  commonReasons.OVERLOADED,
  commonReasons.DEADLINE_EXCEEDED,
]);

/**
 * One backoff for all of a settler's workers: the first overload answer pauses every worker before its next rider
 * for 100-200 ms, each further one (from a call made after the pause) for twice as long, up to 2.5-5 s, jittered;
 * a settled rider resets it. Answers to calls that were already in flight when a pause began do not lengthen it.
 */
class WalletPressure {
  readonly #backoff = new Backoff({ initialMs: 200, maxMs: 5_000 });
  readonly #sleep: (ms: number) => Promise<void>;
  #pause: Promise<void> | undefined;
  /** Pauses begun so far: a call started in an earlier one's shadow does not begin another. */
  #pauses = 0;

  constructor(sleep: (ms: number) => Promise<void>) {
    this.#sleep = sleep;
  }

  /** The number of the pause in force when a call starts (after waiting it out). */
  async ready(): Promise<number> {
    while (this.#pause !== undefined) await this.#pause;
    return this.#pauses;
  }

  /** Whether `error` was the wallet's overload; if so, a pause begins unless one began since `startedIn`. */
  refused(error: unknown, startedIn: number, logger: Logger): boolean {
    if (!isDomainError(error) || !pressureReasons.has(error.reason)) return false;
    if (this.#pauses !== startedIn || this.#pause !== undefined) return true;
    this.#pauses++;
    const delayMs = this.#backoff.next();
    transitMetrics.settlementBackoffs.add(1, { reason: error.reason });
    logger.info('the wallet is overloaded; settlement backs off', { reason: error.reason, delayMs });
    this.#pause = this.#sleep(delayMs).finally(() => {
      this.#pause = undefined;
    });
    return true;
  }

  settled(): void {
    this.#backoff.reset();
  }
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
    /** How the settler waits out a backoff; default a timer that stop() cuts short. */
    sleep?: (ms: number) => Promise<void>;
  },
): Settler {
  let running: Promise<number> | undefined;
  let backlog = 0;
  let stopped = false;
  const wakeup = new Wakeup();
  const pressure = new WalletPressure(options.sleep ?? ((ms) => wakeup.wait(ms)));
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
      for (;;) {
        // Waits out a backoff first; the rider is taken after it, so a stop during the pause sends nothing more.
        const startedIn = await pressure.ready();
        const residentId = stopped ? undefined : queue.shift();
        if (residentId === undefined) return;
        try {
          if ((await tracedSettle(deps, residentId)) === 'busy') continue;
          settled++;
          pressure.settled();
        } catch (error) {
          // An overloaded wallet: the rider stays due for a later pass, and the next call waits out the backoff.
          if (!pressure.refused(error, startedIn, options.logger))
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
      wakeup.wake();
      await job.stop();
      await running?.catch(() => undefined);
    },
  };
}
