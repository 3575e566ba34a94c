// Telemetry of one visit's finalize-and-pay, health billing running as its own process (`node --import telemetry
// main`, exporting spans over OTLP and serving metrics for Prometheus): the desk's trace id, sent as a traceparent
// with both calls, is on health billing's gRPC and wallet-call spans and on the wallet's spans for the authorize and
// capture that health billing asked for over NATS, whose parents are health billing's spans: one trace across both
// services. The metrics an operator graphs are served (the bill, its clinic far above its peers for a code, is flagged
// for review and counted). No code, description or note of the visit appears in any
// exported span, in the wallet's span attributes, in health billing's log lines or in its metrics.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { bearer } from '@citypass/platform/grpc';
import { freePort } from '@citypass/platform/testing';
import { BillStatus } from '@citypass/proto/health_billing/v1/health_billing';
import { startOtlpCollector, type OtlpCollector } from '../../../test/support/otlp_collector.ts';
import { waitFor } from '../../wallet/test/harness.ts';
import { startHealthBillingProcessHarness, type HealthBillingProcessHarness } from './harness.ts';
import { key, openBill, planId, putPeerHistory, putVisitCatalogue } from './visit_setup.ts';

// The wallet runs in this process: its spans are kept in memory, its NATS handlers read the traceparent.
const walletSpans = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(
  new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: walletSpans })] }),
);

/** What the visit says that must never leave health billing in clear: codes, descriptions, the clinic's note. */
const medicalDetails = ['GP-101', 'LB-402', 'GP consultation', 'Full blood count', 'seen for a cough'];

let h: HealthBillingProcessHarness;
let collector: OtlpCollector;
let metricsPort: number;

before(async () => {
  collector = await startOtlpCollector();
  metricsPort = await freePort();
  h = await startHealthBillingProcessHarness({
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'debug',
  });
  await putVisitCatalogue(h, [h.clinic.name]);
  await h.runAsProcess();
});

after(async () => {
  await h.stop();
  collector.close();
});

test('telemetry - one finalize-and-pay is one trace across health billing and the wallet, with no medical detail in spans, logs or metrics', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, 50_000n);
  // The clinic bills GP consultations far above five peers: the bill is flagged for review, which is counted.
  await putPeerHistory(h, 'GP-101', { a: 30, b: 30, c: 31, d: 32, e: 33, [h.clinic.name]: 199 });
  const opened = await openBill(h.clinic, patient, [
    { code: 'GP-101', unitPriceMinor: 5_000n },
    { code: 'LB-402', unitPriceMinor: 3_000n },
  ]);
  const traceId = randomBytes(16).toString('hex');
  const traced = () => {
    const metadata = bearer(h.clinic.token);
    metadata.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
    return { metadata };
  };
  await h.clinic.billing.finalizeBill({ idempotencyKey: key(), billId: opened.billId }, traced());
  const { bill } = await h.clinic.billing.payBill(
    { idempotencyKey: key(), billId: opened.billId, presentation: patient.present(h.clinic.name) },
    traced(),
  );
  assert.equal(bill?.status, BillStatus.BILL_STATUS_PAID);

  const metricsText = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  for (const series of [
    /citypass_health_billing_bills_total\{[^}]*state="finalized"[^}]*\} 1/,
    /citypass_health_billing_bills_total\{[^}]*state="paid"[^}]*outcome="wallet"[^}]*\} 1/,
    /citypass_health_billing_adjudication_duration\w*_count\{[^}]*\} [1-9]/,
    /citypass_health_billing_wallet_call_duration\w*_count\{[^}]*operation="wallet\.v1\.charge"[^}]*outcome="ok"/,
    /citypass_health_billing_sweeper_backlog\{[^}]*kind="overdue"/,
    /citypass_health_billing_review_flags_total\{[^}]*rule="CLINIC_CODE_ABOVE_PEERS"[^}]*\} 1/,
    // Every service's runtime: event-loop delay, GC pauses and memory, from platform/runtime_metrics.ts.
    /citypass_runtime_event_loop_delay\w*\{[^}]*quantile="p99"[^}]*\} [0-9]/,
    /citypass_runtime_memory\w*\{[^}]*kind="rss"[^}]*\} [1-9]/,
  ])
    assert.match(metricsText, series);

  // The wallet's spans for this payment belong to the desk's trace, children of health billing's spans.
  const inTrace = () => walletSpans.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
  // The ledger batch's span (a child of the charge's) ends before the charge's own span does: wait for that one.
  const walletNames = () => inTrace().map((span) => span.name);
  await waitFor(
    async () => Promise.resolve(walletNames().includes('wallet.v1.charge process')),
    "the wallet's span of the payment",
  );
  assert.ok(walletNames().includes('wallet ledger batch charge'), walletNames().join(', '));

  assert.equal(await h.process?.stop(), 0, 'health billing stops cleanly and flushes its spans');
  const exported = Buffer.concat(collector.batches);
  assert.ok(exported.includes(Buffer.from(traceId, 'hex')), "health billing's spans carry the desk's trace id");
  for (const name of [
    'citypass.health_billing.v1.HealthBillingService/FinalizeBill',
    'citypass.health_billing.v1.HealthBillingService/PayBill',
    'wallet.v1.charge request',
  ])
    assert.ok(exported.includes(Buffer.from(name)), `health billing exported a ${name} span`);
  // Each wallet span hangs from one of health billing's spans, or from another wallet span of the same payment (the
  // ledger batch under the charge).
  const walletSpanIds = new Set(inTrace().map((span) => span.spanContext().spanId));
  for (const span of inTrace()) {
    const parent = span.parentSpanContext?.spanId ?? '';
    assert.ok(
      parent !== '' && (exported.includes(Buffer.from(parent, 'hex')) || walletSpanIds.has(parent)),
      `${span.name}'s parent is one of health billing's spans or of the wallet's in this trace`,
    );
  }

  const logs = h.process?.output() ?? '';
  assert.ok(logs.includes('"health-billing started"'), "health billing's log lines (at debug) are read");
  const walletAttributes = JSON.stringify(
    walletSpans.getFinishedSpans().map((span) => ({ attributes: span.attributes, events: span.events })),
  );
  for (const detail of medicalDetails) {
    assert.ok(!exported.includes(Buffer.from(detail)), `"${detail}" in an exported span`);
    assert.ok(!walletAttributes.includes(detail), `"${detail}" in a wallet span`);
    assert.ok(!logs.includes(detail), `"${detail}" in a log line`);
    assert.ok(!metricsText.includes(detail), `"${detail}" in a metric`);
  }
});
