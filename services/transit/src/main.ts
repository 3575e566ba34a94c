// The transit process.
import { setPriority } from 'node:os';
import { runService } from '@citypass/platform/service_main';
import { loadTransitConfig } from './config.ts';
import { startTransit } from './server.ts';
import { telemetry } from './telemetry.ts';

await runService('transit', telemetry, loadTransitConfig, (config, logger) => {
  if (config.TRANSIT_NICE > 0) setPriority(config.TRANSIT_NICE);
  return startTransit(config, logger);
});
