// Publishing a batch of messages to JetStream with their PubAcks collected by one subscription. nats.js's
// js.publish is a request: for every message it registers a reply in its request mux, starts a timer, makes a
// deferred and, once the PubAck is in, builds a RequestError ('cancelled', with its stack) that it throws away. With
// two events a charge, that was ~8 % of the wallet's CPU under bench/wallet_charges.ts. Here a batch costs one timer
// and each PubAck one callback; the messages, their headers and the answers are the same (a JetStream publish is a
// plain publish with a reply subject, and the stream answers it with a PubAck or an error).
import { headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiError, type PubAck } from '@nats-io/jetstream';
import { inboxOf } from './bus.ts';

export interface Publication {
  readonly subject: string;
  readonly payload: Uint8Array;
  /** Nats-Msg-Id: the stream drops a second message with the same id (its duplicate window). */
  readonly msgId: string;
  /** Other headers (e.g. the trace context). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Nats-Expected-Last-Msg-Id: the stream refuses the message unless the last message it stored has this id
   * (`isWrongLastMsgId` tells that refusal apart), so a message never lands without the one before it.
   */
  readonly afterMsgId?: string;
}

type Outcome = PromiseSettledResult<PubAck>;

interface PendingBatch {
  readonly publications: readonly Publication[];
  readonly outcomes: (Outcome | undefined)[];
  unanswered: number;
  readonly done: () => void;
}

export class JetStreamPublisher {
  readonly #nc: NatsConnection;
  /** Replies come to `<inbox>.<batch>.<index>`. */
  readonly #inbox: string;
  readonly #batches = new Map<number, PendingBatch>();
  readonly #subscription;
  #nextBatch = 0;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
    this.#inbox = inboxOf(nc);
    this.#subscription = nc.subscribe(`${this.#inbox}.>`, {
      callback: (error, msg) => {
        if (error === null) this.#answer(msg);
      },
    });
  }

  /**
   * Publishes the messages in order and answers, in the same order, each one's PubAck or why it failed: refused by
   * the stream (JetStreamApiError), no stream takes its subject, or no answer within `timeoutMs`.
   */
  publishAll(publications: readonly Publication[], timeoutMs: number): Promise<Outcome[]> {
    const batch = this.#nextBatch++;
    return new Promise((resolve) => {
      const outcomes = Array.from<Outcome | undefined>({ length: publications.length });
      const finish = (): void => {
        clearTimeout(timer);
        this.#batches.delete(batch);
        const timedOut: Outcome = { status: 'rejected', reason: new Error(`no PubAck within ${timeoutMs} ms`) };
        resolve(outcomes.map((outcome) => outcome ?? timedOut));
      };
      const timer = setTimeout(finish, timeoutMs);
      const pending: PendingBatch = { publications, outcomes, unanswered: publications.length, done: finish };
      this.#batches.set(batch, pending);
      for (const [index, publication] of publications.entries()) {
        try {
          this.#nc.publish(publication.subject, publication.payload, {
            reply: `${this.#inbox}.${batch}.${index}`,
            headers: publishHeaders(publication),
          });
        } catch (error) {
          // The connection is closed or draining: this message and the rest were not sent.
          for (let rest = index; rest < publications.length; rest++)
            outcomes[rest] = { status: 'rejected', reason: error };
          finish();
          return;
        }
      }
      if (publications.length === 0) finish();
    });
  }

  close(): void {
    if (!this.#nc.isClosed()) this.#subscription.unsubscribe();
  }

  #answer(msg: Msg): void {
    const tail = msg.subject.slice(this.#inbox.length + 1);
    const dot = tail.indexOf('.');
    const pending = this.#batches.get(Number(tail.slice(0, dot)));
    const index = Number(tail.slice(dot + 1));
    // A PubAck for a batch that timed out, or a second answer: the batch was answered already.
    if (pending === undefined || pending.outcomes[index] !== undefined || !(index < pending.outcomes.length)) return;
    try {
      pending.outcomes[index] = {
        status: 'fulfilled',
        value: pubAckOf(msg, pending.publications[index] as Publication),
      };
    } catch (error) {
      pending.outcomes[index] = { status: 'rejected', reason: error };
    }
    if (--pending.unanswered === 0) pending.done();
  }
}

/** A fresh header set: appended, not set (nats.js's set first deletes the key, scanning every header for it). */
function publishHeaders(publication: Publication): MsgHdrs {
  const headers = natsHeaders();
  if (publication.headers !== undefined)
    for (const name in publication.headers) headers.append(name, publication.headers[name] as string);
  headers.append('Nats-Msg-Id', publication.msgId);
  if (publication.afterMsgId !== undefined) headers.append('Nats-Expected-Last-Msg-Id', publication.afterMsgId);
  return headers;
}

/** JetStream's error code for a message refused because the stream's last message was not `afterMsgId`. */
const wrongLastMsgIdCode = 10070;

/** Whether `reason` is the stream refusing a message whose `afterMsgId` was not its last message. */
export function isWrongLastMsgId(reason: unknown): boolean {
  return reason instanceof JetStreamApiError && reason.code === wrongLastMsgIdCode;
}

/** As nats.js reads a PubAck: a JSON answer, or an error the stream gave; an empty answer is a status (503: no stream). */
function pubAckOf(msg: Msg, publication: Publication): PubAck {
  if (msg.data.length === 0) {
    const status = msg.headers;
    throw new Error(
      status?.code === 503
        ? `no stream takes ${publication.subject} (no responders)`
        : `empty PubAck (status ${status?.code ?? 'none'} ${status?.description ?? ''})`,
    );
  }
  const answer = JSON.parse(msg.string()) as Partial<PubAck> & {
    error?: ConstructorParameters<typeof JetStreamApiError>[0];
  };
  if (answer.error !== undefined) throw new JetStreamApiError(answer.error);
  if (typeof answer.stream !== 'string' || answer.stream === '' || typeof answer.seq !== 'number')
    throw new Error('invalid PubAck');
  return {
    stream: answer.stream,
    seq: answer.seq,
    duplicate: answer.duplicate === true,
    ...(answer.domain ? { domain: answer.domain } : {}),
  };
}
