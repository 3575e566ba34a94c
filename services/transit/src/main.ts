// The transit process.
import { runService } from '@citypass/platform/service_main';
import { loadTransitConfig } from './config.ts';
import { startTransit } from './server.ts';
import { telemetry } from './telemetry.ts';

await runService('transit', telemetry, loadTransitConfig, startTransit);
