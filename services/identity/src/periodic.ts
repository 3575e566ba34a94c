// Background jobs of the identity process (revocation resync, expired OIDC state cleanup): run at once, then
// every `intervalMs`, never two runs at a time; a failed run is logged and retried at the next tick. `stop`
// waits for a run in progress, so the pool and the bus are not closed under it.
import type { Logger } from '@citypass/platform/log';

export interface PeriodicJob {
  stop(): Promise<void>;
}

export function runPeriodically(name: string, intervalMs: number, logger: Logger, task: () => Promise<void>): PeriodicJob {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    if (running !== undefined || stopped) return;
    running = task()
      .catch((error: unknown) => { logger.error(`${name} failed`, { error }); })
      .finally(() => { running = undefined; });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
