// Loaded with `node --import` before main.ts so gRPC calls are traced; main.ts flushes it on exit.
import { startTelemetry } from '@citypass/platform/telemetry';

export const telemetry = await startTelemetry('console');
