// Loaded with `node --import` before main.ts so gRPC and pg are instrumented.
import { startTelemetry } from '@citypass/platform/telemetry';

startTelemetry('identity');
