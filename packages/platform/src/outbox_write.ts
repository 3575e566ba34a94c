// Writing an event: `appendEvent` inserts it as an outbox row in the caller's transaction, so the event exists
// exactly when the change commits, and wakes the relay (outbox_relay.ts) with a NOTIFY.
import { randomUUID } from 'node:crypto';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { asBuffer, type Queryable } from './pg.ts';
import { encodeMessage } from './protobuf.ts';
import { traceFieldsJson } from './trace_headers.ts';

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
  if (!subjectPattern.test(event.type))
    throw new Error(`event type ${JSON.stringify(event.type)} is not a NATS subject`);
  const id = event.id ?? randomUUID();
  const envelope = encodeMessage(EventEnvelope, {
    id,
    type: event.type,
    version: event.version ?? 1,
    occurredAt: event.occurredAt ?? new Date(),
    source: event.source,
    payload: asBuffer(event.payload),
  });
  return { id, subject: event.type, payload: asBuffer(envelope), headers: traceFieldsJson() };
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

/**
 * Writes the events as outbox rows in one statement, in the given order (the outbox's seq), and wakes the relay
 * once: for a caller that writes many in one transaction while it holds locks (the wallet's hold sweeper), one round
 * trip instead of one per event.
 */
export async function appendEvents(client: Queryable, events: readonly NewEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = events.map(outboxRow);
  await client.query(
    `WITH written AS (
       INSERT INTO outbox (id, subject, payload, headers)
       SELECT event.id, event.subject, event.payload, event.headers::jsonb
       FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::text[])
            WITH ORDINALITY AS event (id, subject, payload, headers, position)
       ORDER BY event.position
       RETURNING 1
     )
     SELECT pg_notify('outbox', '') FROM (SELECT 1 FROM written LIMIT 1) AS any_written`,
    [
      rows.map((row) => row.id),
      rows.map((row) => row.subject),
      rows.map((row) => row.payload),
      rows.map((row) => row.headers),
    ],
  );
  return rows.map((row) => row.id);
}
