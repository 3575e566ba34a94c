// The body of every service's main.ts: parse config (all problems at once, exit 78), start, and on SIGTERM or
// SIGINT stop cleanly, flush telemetry and exit 0 (1 if stopping failed).
import { ConfigError } from './config.ts';
import { createLogger, type Level, type Logger } from './log.ts';
import type { Telemetry } from './telemetry.ts';

export async function runService<C extends { readonly LOG_LEVEL: Level }>(
  name: string,
  telemetry: Telemetry,
  loadConfig: () => C,
  start: (config: C, logger: Logger) => Promise<{ stop(): Promise<void> }>,
): Promise<void> {
  let config: C;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(78);
  }
  const logger = createLogger(name, config.LOG_LEVEL);
  const service = await start(config, logger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info('stopping', { signal });
      service.stop().then(
        async () => {
          await telemetry.shutdown();
          process.exit(0);
        },
        (error: unknown) => {
          logger.error('stop failed', { error });
          process.exit(1);
        },
      );
    });
  }
}
