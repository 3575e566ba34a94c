// The identity process: parse config (all problems at once), start, stop cleanly on SIGTERM/SIGINT.
import { ConfigError } from '@citypass/platform/config';
import { createLogger } from '@citypass/platform/log';
import { loadIdentityConfig } from './config.ts';
import { startIdentity } from './server.ts';
import { telemetry } from './telemetry.ts';

let config;
try {
  config = loadIdentityConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`identity: ${error.message}\n`);
  process.exit(78);
}
const logger = createLogger('identity', config.LOG_LEVEL);
const identity = await startIdentity(config, logger);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info('stopping', { signal });
    identity.stop().then(
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
