// The wallet process: parse config (all problems at once), start, stop cleanly on SIGTERM/SIGINT.
import { ConfigError } from '@citypass/platform/config';
import { createLogger } from '@citypass/platform/log';
import { loadWalletConfig } from './config.ts';
import { startWallet } from './server.ts';
import { telemetry } from './telemetry.ts';

let config;
try {
  config = loadWalletConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`wallet: ${error.message}\n`);
  process.exit(78);
}
const logger = createLogger('wallet', config.LOG_LEVEL);
const wallet = await startWallet(config, logger);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info('stopping', { signal });
    wallet.stop().then(
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
