// Loaded with `node --import` before main.ts so gRPC and pg are instrumented; main.ts flushes it on exit.
import { startTelemetry } from '@citypass/platform/telemetry';

export const telemetry = await startTelemetry('wallet');
