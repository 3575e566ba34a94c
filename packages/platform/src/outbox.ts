// Events leave a service through its own database: `appendEvent` writes the event in the same transaction as the
// change (outbox), a relay publishes unpublished rows to JetStream with Nats-Msg-Id = event id, and consumers
// record the ids they processed (inbox) in the same transaction as their effects. A row published twice (the
// relay died between the PubAck and its commit) is dropped by the stream's duplicate window; a message delivered
// twice is skipped by the inbox. So every effect happens once although every hop may repeat.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { headers as natsHeaders, nanos } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import pg from 'pg';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { isApiError } from './bus.ts';
import type { Logger } from './log.ts';
import type { Migration, Queryable } from './pg.ts';
import { extractTrace, traceFields } from './trace_headers.ts';

const tracer = trace.getTracer('@citypass/platform/outbox');

/**
 * The outbox and inbox tables, numbered `baseNumber` in the service's own sequence, and the relay's lease,
 * numbered `baseNumber + 10`.
 */
export function outboxMigrations(baseNumber: number): Migration[] {
  const sql = `
CREATE TABLE outbox (
  seq          bigserial PRIMARY KEY,
  id           uuid NOT NULL UNIQUE,
  subject      text NOT NULL,
  payload      bytea NOT NULL,
  headers      jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

CREATE TABLE inbox (
  consumer     text NOT NULL,
  event_id     text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
`;
  // One relay publishes at a time, so events leave in order; the others wait for its lease to lapse.
  const lease = `
CREATE TABLE outbox_relay_lease (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  holder      text NOT NULL,
  held_until  timestamptz NOT NULL
);
`;
  return [{ name: `${baseNumber}-outbox.sql`, sql }, { name: `${baseNumber + 10}-outbox-relay-lease.sql`, sql: lease }];
}

// ------------------------------------------------------------------------------------------------- writing

export interface NewEvent {
  /** Event id, also the Nats-Msg-Id. Default: a random UUID. */
  readonly id?: string;
  /** The subject, e.g. `identity.v1.events.credential.revoked`. */
  readonly type: string;
  /** The service that writes it, e.g. `identity`. */
  readonly source: string;
  readonly version?: number;
  /** The encoded event message. */
  readonly payload: Uint8Array;
  readonly occurredAt?: Date;
}

const subjectPattern = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;

/** An outbox row's values, for a caller that inserts it itself (e.g. inside a database function). */
export interface OutboxRow {
  readonly id: string;
  readonly subject: string;
  /** The encoded EventEnvelope. */
  readonly payload: Buffer;
  /** The active trace context, as JSON text. */
  readonly headers: string;
}

export function outboxRow(event: NewEvent): OutboxRow {
  if (!subjectPattern.test(event.type)) throw new Error(`event type ${JSON.stringify(event.type)} is not a NATS subject`);
  const id = event.id ?? randomUUID();
  const envelope = EventEnvelope.encode({
    id,
    type: event.type,
    version: event.version ?? 1,
    occurredAt: event.occurredAt ?? new Date(),
    source: event.source,
    payload: Buffer.from(event.payload.buffer, event.payload.byteOffset, event.payload.byteLength),
  }).finish();
  return { id, subject: event.type, payload: Buffer.from(envelope), headers: JSON.stringify(traceFields()) };
}

/**
 * Writes the event as an outbox row (the encoded envelope plus the active trace context) and wakes the relay.
 * Call it with the transaction's client: the event exists exactly when the change commits.
 */
export async function appendEvent(client: Queryable, event: NewEvent): Promise<string> {
  const row = outboxRow(event);
  await client.query(
    `WITH row AS (INSERT INTO outbox (id, subject, payload, headers) VALUES ($1, $2, $3, $4) RETURNING id)
     SELECT pg_notify('outbox', '') FROM row`,
    [row.id, row.subject, row.payload, row.headers],
  );
  return row.id;
}

/** Unpublished rows and the age of the oldest: the relay's lag, for a gauge and an alert. */
export async function relayLag(pool: Queryable): Promise<{ unpublished: number; oldestAgeMs: number }> {
  const { rows } = await pool.query<{ unpublished: string; oldest_age_ms: number | null }>(
    `SELECT count(*) AS unpublished,
            (extract(epoch FROM now() - min(created_at)) * 1000)::float8 AS oldest_age_ms
       FROM outbox WHERE published_at IS NULL`,
  );
  const row = rows[0];
  return { unpublished: Number(row?.unpublished ?? 0), oldestAgeMs: Math.max(0, Math.round(row?.oldest_age_ms ?? 0)) };
}

// --------------------------------------------------------------------------------------------------- relay

export interface RelayOptions {
  readonly pool: pg.Pool;
  readonly js: JetStreamClient;
  readonly logger?: Logger;
  /** Rows published per transaction. Default 100. */
  readonly batchSize?: number;
  /** Poll even without notifications this often. Default 1 s. */
  readonly pollIntervalMs?: number;
  /** Where to LISTEN (a direct connection, not a transaction-mode pooler). Default: the pool's settings. */
  readonly listenUrl?: string;
  /** Wait this long for each PubAck. Default 2 s. */
  readonly publishTimeoutMs?: number;
}

export interface OutboxRelay {
  /** Resolves when no unpublished rows remain; rejects after `timeoutMs` (default 30 s) or if the relay stops. */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** Finishes the batch in progress, then stops. */
  stop(): Promise<void>;
}

const maxBackoffMs = 5_000;

export function startOutboxRelay(options: RelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? 100;
  const abort = new AbortController();
  const wake = createWakeup();
  const listener = listen(options, () => { wake.notify(); }, abort.signal);

  const holder = randomUUID();
  const loop = async (): Promise<void> => {
    let failures = 0;
    while (!abort.signal.aborted) {
      const { published, failure, leader } = await publishBatch(options, holder, batchSize)
        .catch((error: unknown) => ({ published: 0, failure: error, leader: true }));
      if (failure === undefined) {
        failures = 0;
        if (published < batchSize || !leader) await wake.wait(options.pollIntervalMs ?? 1_000);
        continue;
      }
      failures++;
      const delayMs = Math.min(maxBackoffMs, 100 * 2 ** Math.min(failures, 10));
      options.logger?.warn('outbox relay failed, retrying', { error: failure, failures, published, delayMs });
      await sleep(delayMs, undefined, { signal: abort.signal }).catch(() => undefined);
    }
  };
  const running = loop();

  return {
    drain: async ({ timeoutMs = 30_000 } = {}) => {
      const deadlineMs = Date.now() + timeoutMs;
      for (;;) {
        const { unpublished } = await relayLag(options.pool);
        if (unpublished === 0) return;
        if (abort.signal.aborted) throw new Error(`outbox relay stopped with ${unpublished} unpublished events`);
        if (Date.now() >= deadlineMs) throw new Error(`outbox still has ${unpublished} unpublished events after ${timeoutMs} ms`);
        wake.notify();
        await sleep(25);
      }
    },
    stop: async () => {
      abort.abort();
      wake.notify();
      await running;
      await releaseLease(options.pool, holder).catch(() => undefined);
      await (await listener)();
    },
  };
}

interface StoredOutboxRow {
  seq: string;
  id: string;
  subject: string;
  payload: Buffer;
  headers: Record<string, string>;
}

/**
 * Publishes the oldest unpublished rows in order, stopping at the first failure, and marks what was published.
 * No transaction stays open while JetStream is waiting: the rows are read, published and marked in separate
 * statements, and only the holder of the relay lease publishes (renewed before every batch). If a holder stalls
 * past its lease, the next one may publish a row again: the stream's duplicate window drops it by Nats-Msg-Id
 * and consumers' inboxes skip it.
 */
async function publishBatch(options: RelayOptions, holder: string, batchSize: number): Promise<{ published: number; failure: unknown; leader: boolean }> {
  const publishTimeoutMs = options.publishTimeoutMs ?? 2_000;
  if (!await holdLease(options.pool, holder, leaseMsFor(publishTimeoutMs))) return { published: 0, failure: undefined, leader: false };
  const { rows } = await options.pool.query<StoredOutboxRow>(
    'SELECT seq, id, subject, payload, headers FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1',
    [batchSize],
  );
  const published: string[] = [];
  let failure: unknown;
  for (const row of rows) {
    const headers = natsHeaders();
    for (const [key, value] of Object.entries(row.headers)) headers.set(key, value);
    try {
      await options.js.publish(row.subject, row.payload, { msgID: row.id, headers, timeout: publishTimeoutMs });
    } catch (error) {
      failure = error;
      break;
    }
    published.push(row.seq);
  }
  if (published.length > 0) {
    await options.pool.query('UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[]) AND published_at IS NULL', [published]);
  }
  return { published: published.length, failure, leader: true };
}

/** Long enough for a batch that ends on one publish timeout, renewed before every batch. */
function leaseMsFor(publishTimeoutMs: number): number {
  return Math.max(10_000, 5 * publishTimeoutMs);
}

/** Takes or renews the relay lease; true while `holder` has it. One statement, no transaction held. */
async function holdLease(pool: Queryable, holder: string, leaseMs: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    `INSERT INTO outbox_relay_lease AS lease (holder, held_until) VALUES ($1, now() + $2 * interval '1 millisecond')
     ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, held_until = EXCLUDED.held_until
      WHERE lease.holder = EXCLUDED.holder OR lease.held_until < now()`,
    [holder, leaseMs],
  );
  return rowCount === 1;
}

/** Gives the lease up at a clean stop, so another relay takes over at once. */
async function releaseLease(pool: Queryable, holder: string): Promise<void> {
  await pool.query('DELETE FROM outbox_relay_lease WHERE holder = $1', [holder]);
}

interface Wakeup {
  notify(): void;
  /** Resolves on the next notify (or at once if one came since the last wait), or after `ms`. */
  wait(ms: number): Promise<void>;
}

function createWakeup(): Wakeup {
  let pending = false;
  let release: (() => void) | undefined;
  return {
    notify: () => {
      pending = true;
      release?.();
    },
    wait: (ms) => {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done(): void {
          clearTimeout(timer);
          release = undefined;
          pending = false;
          resolve();
        }
        release = done;
      });
    },
  };
}

/** LISTENs for `outbox` notifications on a dedicated connection, reconnecting while running. Returns a closer. */
async function listen(options: RelayOptions, onNotify: () => void, signal: AbortSignal): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connectListener = async (): Promise<void> => {
    const next = new pg.Client(
      options.listenUrl === undefined ? options.pool.options : { connectionString: options.listenUrl, connectionTimeoutMillis: 5_000 },
    );
    next.on('notification', onNotify);
    next.on('error', (error) => {
      options.logger?.warn('outbox listener lost its connection', { error });
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      if (!signal.aborted) retry = setTimeout(() => { void connectListener(); }, 1_000);
    });
    try {
      await next.connect();
      await next.query('LISTEN outbox');
      client = next;
      onNotify(); // rows may have been written while no one listened
    } catch (error) {
      next.removeAllListeners('error');
      await next.end().catch(() => undefined);
      options.logger?.warn('outbox listener cannot connect; polling only', { error });
      if (!signal.aborted) retry = setTimeout(() => { void connectListener(); }, 1_000);
    }
  };
  await connectListener();
  return async () => {
    clearTimeout(retry);
    const current = client;
    client = undefined;
    await current?.end().catch(() => undefined);
  };
}

// --------------------------------------------------------------------------------------------------- inbox

/** Records that `consumer` processed `eventId`; true the first time. Call it in the transaction of the effects. */
export async function processOnce(client: Queryable, consumer: string, eventId: string): Promise<boolean> {
  const result = await client.query(
    'INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [consumer, eventId],
  );
  return result.rowCount === 1;
}

// ------------------------------------------------------------------------------------------------ consumer

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
  await tracer.startActiveSpan(`${msg.subject} process`, { kind: SpanKind.CONSUMER, attributes }, extractTrace(msg.headers), async (span) => {
    try {
      await options.handler(envelope, msg);
      msg.ack();
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      const delivery = msg.info.deliveryCount;
      if (delivery >= (options.maxDeliver ?? 10)) {
        options.logger?.error('event failed on its last delivery, given up', { subject: msg.subject, eventId: envelope.id, delivery, error });
        msg.term('handler failed on the last delivery');
      } else {
        const delayMs = Math.min(30_000, 250 * 2 ** (delivery - 1));
        options.logger?.warn('event handler failed, redelivering', { subject: msg.subject, eventId: envelope.id, delivery, delayMs, error });
        msg.nak(delayMs);
      }
    } finally {
      span.end();
    }
  });
}

/** Reports the relay's lag as gauges on each metrics scrape (one cheap indexed query). */
export function observeOutboxLag(pool: Queryable): void {
  const meter = metrics.getMeter('@citypass/platform/outbox');
  const unpublished = meter.createObservableGauge('citypass.outbox.unpublished', { description: 'Events written but not yet relayed' });
  const oldestAge = meter.createObservableGauge('citypass.outbox.oldest_age', { description: 'Age of the oldest unrelayed event', unit: 'ms' });
  meter.addBatchObservableCallback(async (observer) => {
    const lag = await relayLag(pool);
    observer.observe(unpublished, lag.unpublished);
    observer.observe(oldestAge, lag.oldestAgeMs);
  }, [unpublished, oldestAge]);
}
