// One wallet request/reply as a client span (the trace continues into the wallet through the NATS headers the
// platform's request writes) and a duration by operation and outcome. The span carries the subject only: never the
// payload, which holds the patient's mandate.
import { SpanKind, trace } from '@opentelemetry/api';
import { isDomainError } from '@citypass/platform/errors';
import { inSpan } from '@citypass/platform/spans';
import { healthBillingMetrics } from '../metrics.ts';

export type WalletCall = (subject: string, payload: Uint8Array) => Promise<Uint8Array>;

const tracer = trace.getTracer('citypass.health_billing.wallet');

export function tracedWalletCall(call: WalletCall): WalletCall {
  return (subject, payload) =>
    inSpan(
      tracer,
      `${subject} request`,
      { kind: SpanKind.CLIENT, attributes: { 'messaging.destination.name': subject } },
      async () => {
        const startedMs = performance.now();
        try {
          const reply = await call(subject, payload);
          healthBillingMetrics.walletCallDuration.record(performance.now() - startedMs, {
            operation: subject,
            outcome: 'ok',
          });
          return reply;
        } catch (error) {
          healthBillingMetrics.walletCallDuration.record(performance.now() - startedMs, {
            operation: subject,
            outcome: isDomainError(error) ? error.kind : 'internal',
            reason: isDomainError(error) ? error.reason : 'UNKNOWN',
          });
          throw error;
        }
      },
    );
}
