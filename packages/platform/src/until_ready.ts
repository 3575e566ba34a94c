// A service that starts together with the ones it depends on (identity's stream and bucket, the wallet's stream)
// waits for them instead of crashing: the attempt is repeated every 500 ms for at most a minute.
import type { Logger } from './log.ts';

export async function untilReady<T>(
  logger: Logger,
  what: string,
  attempt: () => Promise<T>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} is not available`, { cause: error });
      if (tries === 1) logger.info(`waiting for the ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
