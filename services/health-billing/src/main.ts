// The health-billing process.
import { runService } from '@citypass/platform/service_main';
import { loadHealthBillingConfig } from './config.ts';
import { startHealthBilling } from './server.ts';
import { telemetry } from './telemetry.ts';

await runService('health-billing', telemetry, loadHealthBillingConfig, startHealthBilling);
