// Follows another service's events into memory: every replica reads the whole filtered stream from its first
// message (or from a start time: a replay window) with its own ordered (ephemeral) consumer, so each rebuilds the same view at start and keeps it current.
// A push consumer, delivering to the connection's own inbox (_INBOX.<user>.>): a NATS user is then granted only
// CONSUMER.CREATE for that filter and flow control on the stream, never MSG.NEXT or DELETE on its consumers, which
// would let it pull from or remove another service's durable consumer (deploy/k8s/components/dev-infra/nats-config.yaml).
// Unlike startConsumer (consumer.ts), whose durable consumer shares events between replicas and records effects in
// the database (inbox), nothing is acknowledged or stored: the view lives in the process, and a handler must be
// idempotent and order-aware by itself (a redelivery or a replay applies an event it has already seen).
// The ordered consumer recreates itself after a lost connection and resumes after the last sequence it delivered.
import { DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import type { Logger } from './log.ts';

export interface StreamFollowerOptions {
  readonly js: JetStreamClient;
  readonly stream: string;
  /** One subject or wildcard (nats-server 2.9 has no `filter_subjects`). */
  readonly filterSubject: string;
  /** Applies one event to the view; `sequence` is its stream sequence (the same on every replay). */
  readonly handler: (envelope: EventEnvelope, sequence: number) => void;
  readonly logger?: Logger;
  /** Starts at the first event stored at or after this time instead of the stream's first (a replay window). */
  readonly startTime?: Date;
  /**
   * Messages passed over by their headers alone, before anything is decoded: e.g. a publisher's own, which it marks
   * so, when it follows the stream it writes to.
   */
  readonly skip?: (headers: MsgHdrs | undefined) => boolean;
}

export interface StreamFollower {
  /** Resolves true once every event that was in the stream at start has been handled, false after `timeoutMs`. */
  caughtUp(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export async function followStream(options: StreamFollowerOptions): Promise<StreamFollower> {
  const consumer = await options.js.consumers.getPushConsumer(options.stream, {
    filter_subjects: options.filterSubject,
    ...(options.startTime === undefined
      ? { deliver_policy: DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: options.startTime.toISOString() }),
  });
  // The ordered consumer is created at once; its pending count is what the stream held for the filter then.
  const pendingAtStart = (await consumer.info(true)).num_pending;
  let markCaughtUp: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => {
    markCaughtUp = resolve;
  });
  if (pendingAtStart === 0) markCaughtUp();
  const messages = await consumer.consume();
  const state = { stopping: false };
  const done = (async () => {
    for await (const msg of messages) {
      handle(msg, options);
      if (msg.info.pending === 0) markCaughtUp();
      if (state.stopping) break; // leave the loop before the iterator is closed: closing inside it hangs
    }
  })();
  return {
    caughtUp: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          resolve(false);
        }, timeoutMs);
      });
      try {
        return await Promise.race([caughtUp.then(() => true), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop: async () => {
      state.stopping = true;
      messages.stop();
      await done;
    },
  };
}

function handle(msg: JsMsg, options: StreamFollowerOptions): void {
  if (options.skip?.(msg.headers) === true) return;
  let envelope: EventEnvelope;
  try {
    envelope = EventEnvelope.decode(msg.data);
  } catch (error) {
    options.logger?.error('undecodable event skipped', { subject: msg.subject, seq: msg.seq, error });
    return;
  }
  try {
    options.handler(envelope, msg.seq);
  } catch (error) {
    // A handler of a view only decodes and updates memory: a failure is a malformed event, which no retry fixes.
    options.logger?.error('event skipped by its view', { subject: msg.subject, eventId: envelope.id, error });
  }
}
