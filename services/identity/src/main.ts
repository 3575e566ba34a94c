// The identity process.
import { runService } from '@citypass/platform/service_main';
import { loadIdentityConfig } from './config.ts';
import { startIdentity } from './server.ts';
import { telemetry } from './telemetry.ts';

await runService('identity', telemetry, loadIdentityConfig, startIdentity);
