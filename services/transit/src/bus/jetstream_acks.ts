// Publishes to JetStream and waits for each acknowledgement on one subscription of its own. js.publish makes a
// request per message: a reply subscription entry, a timer, a race of two promises and, on every success, an error
// object with its stack that nobody sees (nats.js's RequestOne.cancel). For a tap event per tap that was a tenth of
// transit's CPU per tap under bench/transit_taps.ts. Here a publish is one PUB with a reply subject naming it, and
// one timer sweeps every publication past its timeout.
import { createInbox, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';

export interface AckedPublisher {
  /** Resolves once JetStream stored the message (or dropped it as a duplicate); rejects when it refused or timed out. */
  publish(subject: string, data: Uint8Array, headers: MsgHdrs): Promise<void>;
}

interface Waiting {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly sentAtMs: number;
}

/**
 * `inboxPrefix`: the connection's (a NATS user may only read replies under its own: platform/bus.ts). The reply
 * subscription ends with the connection.
 */
export function ackedPublisher(nc: NatsConnection, inboxPrefix: string, timeoutMs = 5_000): AckedPublisher {
  const inbox = createInbox(inboxPrefix);
  const waiting = new Map<string, Waiting>();
  let next = 0;
  nc.subscribe(`${inbox}.*`, {
    callback: (error, message) => {
      if (error !== null) return;
      const token = message.subject.slice(inbox.length + 1);
      const publication = waiting.get(token);
      if (publication === undefined) return; // timed out already
      waiting.delete(token);
      const refusal = refusalOf(message.headers?.code ?? 0, message.data);
      if (refusal === undefined) publication.resolve();
      else publication.reject(new Error(refusal));
    },
  });
  // One timer while anything waits. Publications are sent in order, so the oldest come first in the map: the
  // sweep stops at the first one still within its time.
  const sweepEveryMs = Math.max(100, timeoutMs / 4);
  let sweeping: ReturnType<typeof setTimeout> | undefined;
  const sweep = (): void => {
    const expiredBeforeMs = Date.now() - timeoutMs;
    for (const [token, publication] of waiting) {
      if (publication.sentAtMs > expiredBeforeMs) break;
      waiting.delete(token);
      publication.reject(new Error(`no JetStream acknowledgement within ${String(timeoutMs)} ms`));
    }
    sweeping = waiting.size === 0 ? undefined : setTimeout(sweep, sweepEveryMs);
  };
  return {
    publish(subject, data, headers) {
      const token = String(next++);
      return new Promise<void>((resolve, reject) => {
        waiting.set(token, { resolve, reject, sentAtMs: Date.now() });
        sweeping ??= setTimeout(sweep, sweepEveryMs);
        try {
          nc.publish(subject, data, { reply: `${inbox}.${token}`, headers });
        } catch (error) {
          waiting.delete(token);
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
  };
}

const decoder = new TextDecoder();

/** Why JetStream did not store a message, from its answer; undefined when it did (a PubAck). */
function refusalOf(statusCode: number, data: Uint8Array): string | undefined {
  // No stream listens on the subject: the server answers 503 with no body.
  if (statusCode === 503) return 'no JetStream stream for the subject (503 no responders)';
  if (data.length === 0) return `an empty JetStream answer (status ${statusCode})`;
  const answer = JSON.parse(decoder.decode(data)) as {
    stream?: string;
    error?: { code?: number; description?: string };
  };
  if (answer.error !== undefined)
    return `JetStream refused the message: ${answer.error.description ?? ''} (${answer.error.code ?? ''})`;
  return typeof answer.stream === 'string' && answer.stream !== '' ? undefined : 'an invalid JetStream acknowledgement';
}
