// A durable JetStream pull consumer of another service's events, handled one at a time in stream order inside a
// CONSUMER span (trace context from the message headers): ack on success, nak with a growing delay on failure,
// terminate after the last delivery. Handlers record what they processed with `processOnce` (inbox.ts).
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { nanos } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { isApiError } from './bus.ts';
import type { Logger } from './log.ts';
import { extractTrace } from './trace_headers.ts';

const tracer = trace.getTracer('@citypass/platform/outbox');

export interface ConsumerOptions {
  readonly js: JetStreamClient;
  readonly jsm?: JetStreamManager;
  readonly stream: string;
  /** Durable consumer name: replicas with the same name share the work. */
  readonly durable: string;
  /** One subject or wildcard (nats-server 2.9 has no `filter_subjects`). */
  readonly filterSubject: string;
  readonly handler: (envelope: EventEnvelope, msg: JsMsg) => Promise<void>;
  readonly logger?: Logger;
  /** Deliveries before a failing event is given up (terminated; it stays in the stream). Default 10. */
  readonly maxDeliver?: number;
  /** Unacknowledged deliveries are redelivered after this. Default 30 s. */
  readonly ackWaitMs?: number;
  /** Messages fetched ahead of the handler. Default 64. */
  readonly maxBuffered?: number;
}

/**
 * Creates or updates a durable pull consumer and handles its events one at a time, in stream order: ack on
 * success, nak with a growing delay on failure. Handlers use `processOnce` to make redeliveries harmless.
 */
export async function startConsumer(options: ConsumerOptions): Promise<{ stop(): Promise<void> }> {
  const jsm = options.jsm ?? (await options.js.jetstreamManager());
  await ensureConsumer(jsm, options);
  const consumer = await options.js.consumers.get(options.stream, options.durable);
  const messages = await consumer.consume({ max_messages: options.maxBuffered ?? 64 });
  const state = { stopping: false };
  const done = (async () => {
    for await (const msg of messages) {
      await handleEvent(msg, options);
      if (state.stopping) break; // leave the loop before the iterator is closed: closing inside it hangs
    }
  })();
  return {
    stop: async () => {
      state.stopping = true;
      messages.stop();
      await done;
    },
  };
}

async function ensureConsumer(jsm: JetStreamManager, options: ConsumerOptions): Promise<void> {
  const settings = {
    filter_subject: options.filterSubject,
    max_deliver: options.maxDeliver ?? 10,
    ack_wait: nanos(options.ackWaitMs ?? 30_000),
    max_ack_pending: 1_000,
  };
  try {
    await jsm.consumers.info(options.stream, options.durable);
    await jsm.consumers.update(options.stream, options.durable, settings);
    return;
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
  }
  const config: Partial<ConsumerConfig> = {
    ...settings,
    durable_name: options.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
  };
  await jsm.consumers.add(options.stream, config);
}

async function handleEvent(msg: JsMsg, options: ConsumerOptions): Promise<void> {
  let envelope: EventEnvelope;
  try {
    envelope = EventEnvelope.decode(msg.data);
  } catch (error) {
    options.logger?.error('undecodable event terminated', { subject: msg.subject, seq: msg.seq, error });
    msg.term('undecodable envelope');
    return;
  }
  const attributes = { 'messaging.destination.name': msg.subject, 'messaging.message.id': envelope.id };
  await tracer.startActiveSpan(
    `${msg.subject} process`,
    { kind: SpanKind.CONSUMER, attributes },
    extractTrace(msg.headers),
    async (span) => {
      try {
        await options.handler(envelope, msg);
        msg.ack();
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        const delivery = msg.info.deliveryCount;
        if (delivery >= (options.maxDeliver ?? 10)) {
          options.logger?.error('event failed on its last delivery, given up', {
            subject: msg.subject,
            eventId: envelope.id,
            delivery,
            error,
          });
          msg.term('handler failed on the last delivery');
        } else {
          const delayMs = Math.min(30_000, 250 * 2 ** (delivery - 1));
          options.logger?.warn('event handler failed, redelivering', {
            subject: msg.subject,
            eventId: envelope.id,
            delivery,
            delayMs,
            error,
          });
          msg.nak(delayMs);
        }
      } finally {
        span.end();
      }
    },
  );
}
