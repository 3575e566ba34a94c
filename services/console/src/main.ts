// The console process.
import { runService } from '@citypass/platform/service_main';
import { loadConsoleConfig } from './config.ts';
import { startConsole } from './server.ts';
import { telemetry } from './telemetry.ts';

await runService('console', telemetry, loadConsoleConfig, startConsole);
