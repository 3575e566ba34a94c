// Trace context across NATS: the active context is written into message headers (W3C `traceparent`, `tracestate`,
// through whatever propagator the telemetry set up) and read back on receipt.
import { context, propagation, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { Match, type MsgHdrs } from '@nats-io/transport-node';

const setter: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => {
    carrier.set(key, value);
  },
};

const getter: TextMapGetter<MsgHdrs> = {
  keys: (carrier) => carrier.keys(),
  get: (carrier, key) => {
    const values = carrier.values(key, Match.IgnoreCase);
    return values.length === 0 ? undefined : values;
  },
};

/** Writes the trace context of `from` (default: the active one) into NATS headers. */
export function injectTrace(headers: MsgHdrs, from: Context = context.active()): void {
  propagation.inject(from, headers, setter);
}

/** The context carried by NATS headers, on top of the active one (unchanged when there are none). */
export function extractTrace(headers: MsgHdrs | undefined): Context {
  const active = context.active();
  return headers === undefined ? active : propagation.extract(active, headers, getter);
}

/** The active trace context as plain header fields, for storing beside an outbox row. */
export function traceFields(from: Context = context.active()): Record<string, string> {
  const fields: Record<string, string> = {};
  propagation.inject(from, fields);
  return fields;
}

// A context is immutable, so its headers never change, and a charge writes its two outbox rows one after the other
// in one context: the last context's JSON is kept for the next row. One inject through the composite propagator
// and its JSON cost ~2 us; a WeakMap keyed by context cost more than that (a new key per request).
let lastContext: Context | undefined;
let lastJson = '';

/** traceFields of `from` as JSON text (an outbox row's headers); the same context twice in a row is encoded once. */
export function traceFieldsJson(from: Context = context.active()): string {
  if (from !== lastContext) {
    lastJson = JSON.stringify(traceFields(from));
    lastContext = from;
  }
  return lastJson;
}
