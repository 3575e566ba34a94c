// The wallet process.
import { runService } from '@citypass/platform/service_main';
import { loadWalletConfig } from './config.ts';
import { startWallet } from './server.ts';
import { telemetry } from './telemetry.ts';

await runService('wallet', telemetry, loadWalletConfig, startWallet);
