-- The trace a tap was decided in (W3C traceparent/tracestate), so the fare settled for it later continues the
-- same trace: one trace from the gate through transit and NATS into the wallet's ledger rows.
ALTER TABLE taps ADD COLUMN trace_context jsonb NOT NULL DEFAULT '{}';
