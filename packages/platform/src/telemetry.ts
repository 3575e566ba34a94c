// OpenTelemetry for a service process. Load it before the application (`node --import ./src/telemetry.ts`):
// the ESM loader hook must be registered before @grpc/grpc-js and pg are imported, or they are not instrumented.
// Traces go to OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; metrics are served for Prometheus to scrape.
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { register } from 'import-in-the-middle/register-hooks.mjs';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, BatchSpanProcessor, TracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { env, loadConfig } from './config.ts';
import { startRuntimeMetrics } from './runtime_metrics.ts';

const telemetrySchema = {
  OTEL_EXPORTER_OTLP_ENDPOINT: env.string({
    default: 'none',
    description: 'OTLP/HTTP collector; unset: no trace export',
  }),
  METRICS_PORT: env.port({ default: 0, description: 'Prometheus scrape port; 0: metrics not served' }),
  METRICS_HOST: env.string({ default: '127.0.0.1' }),
};

export interface Telemetry {
  shutdown(): Promise<void>;
}

export async function startTelemetry(
  serviceName: string,
  source: Record<string, string | undefined> = process.env,
): Promise<Telemetry> {
  // In-thread loader hooks (module.registerHooks) for the CommonJS packages we instrument.
  register({ include: ['@grpc/grpc-js', 'pg'] });
  const config = loadConfig(telemetrySchema, source);
  const resource = resourceFromAttributes({ 'service.name': serviceName, 'service.namespace': 'citypass' });

  const spanProcessors: SpanProcessor[] = [];
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT !== 'none') {
    // Imported only here: the exporter (protobuf encoding, its HTTP client) costs every process 2-3 MB of RSS,
    // for nothing where no collector is set (docs/capacity.md, "Memory per service").
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
    spanProcessors.push(
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${config.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` }),
      }),
    );
  }
  // With nowhere to send spans, none is recorded: the default sampler recorded every span (attributes, events, end
  // time) only to drop it, 4-6 % of the wallet's and of transit's CPU per request under bench/wallet_charges.ts and
  // bench/transit_taps.ts. Spans still carry trace ids, so log lines keep theirs and a traceparent still crosses gRPC
  // and NATS, flagged not sampled (every service of a deployment shares one collector setting).
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors,
    ...(spanProcessors.length === 0 ? { sampler: new AlwaysOffSampler() } : {}),
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(tracerProvider);

  const readers =
    config.METRICS_PORT === 0 ? [] : [new PrometheusExporter({ host: config.METRICS_HOST, port: config.METRICS_PORT })];
  const meterProvider = new MeterProvider({ resource, readers });
  metrics.setGlobalMeterProvider(meterProvider);
  const runtime = startRuntimeMetrics();

  // pg: a span per query (its operation and text) inside a span of ours, none for a pool checkout or a new
  // connection. Every `pool.query` checks a client out, and its checkout span (attributes, two context switches) cost
  // 10-23 us of a pooled query's 108-131 us in alternating in-process rounds, with the pool's URL already parsed
  // (docs/capacity.md, "Telemetry per operation"). The wait for a client stays visible as the gap before the query's
  // span and in the pool's metrics (db.client.connection.count, .pending_requests), which the instrumentation still
  // records.
  registerInstrumentations({
    instrumentations: [
      new GrpcInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    ],
  });

  return {
    async shutdown() {
      runtime.stop();
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
