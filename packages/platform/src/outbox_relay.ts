// The relay publishes unpublished outbox rows to JetStream with Nats-Msg-Id = event id, in order, while it holds
// the relay lease (relay_lease.ts); woken by NOTIFY (outbox_listen.ts) or a poll, backing off while NATS or the
// database fails. A row published twice (the relay died between the PubAck and its mark) is dropped by the
// stream's duplicate window, and consumers' inboxes skip it.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import { isWrongLastMsgId, JetStreamPublisher } from './jetstream_publish.ts';
import type { Logger } from './log.ts';
import { relayLag } from './outbox_lag.ts';
import { createWakeup, listenForOutbox } from './outbox_listen.ts';
import {
  anyUnpublished,
  leaseMsFor,
  markLeaseAndRead,
  markPublished,
  releaseLease,
  type StoredOutboxRow,
} from './relay_lease.ts';

export interface RelayOptions {
  readonly pool: pg.Pool;
  /** The connection JetStream is reached on (jetstream_publish.ts: the relay's publishes and their PubAcks). */
  readonly nc: NatsConnection;
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
  const listener = listenForOutbox(
    options,
    () => {
      wake.notify();
    },
    abort.signal,
  );

  const publisher = new JetStreamPublisher(options.nc);
  const holder = randomUUID();
  // Published but not yet marked: the next batch's statement marks them (or markPublished after a failure or stop).
  const unmarked = { seqs: [] as string[] };
  const loop = async (): Promise<void> => {
    let failures = 0;
    // After a wait with nothing left to mark, a poll first reads whether anything waits (anyUnpublished).
    let waited = false;
    const round = async (): Promise<{ published: number; failure: unknown; leader: boolean }> => {
      if (waited && !(await anyUnpublished(options.pool))) return { published: 0, failure: undefined, leader: true };
      return publishBatch(options, publisher, holder, batchSize, unmarked);
    };
    while (!abort.signal.aborted) {
      const { published, failure, leader } = await round().catch((error: unknown) => ({
        published: 0,
        failure: error,
        leader: true,
      }));
      waited = false;
      if (failure === undefined) {
        failures = 0;
        const idle = published < batchSize || !leader;
        if (idle && unmarked.seqs.length === 0) {
          await wake.wait(options.pollIntervalMs ?? 1_000);
          waited = true;
        }
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
        if (Date.now() >= deadlineMs)
          throw new Error(`outbox still has ${unpublished} unpublished events after ${timeoutMs} ms`);
        wake.notify();
        await sleep(25);
      }
    },
    stop: async () => {
      abort.abort();
      wake.notify();
      await running;
      if (unmarked.seqs.length > 0) await markPublished(options.pool, unmarked.seqs).catch(() => undefined);
      await releaseLease(options.pool, holder).catch(() => undefined);
      publisher.close();
      await (await listener)();
    },
  };
}

/**
 * Publishes the oldest unpublished rows in order, stopping at the first failure, and marks what was published.
 * No transaction stays open while JetStream is waiting: one statement marks the previous batch published, renews
 * the lease and reads this batch (one statement a batch; the last batch before the relay idles is marked by one
 * more, which finds nothing new), and only the holder of the relay lease reads or publishes. If a holder stalls
 * past its lease, the next one may publish a row again: the stream's duplicate window drops it by Nats-Msg-Id and
 * consumers' inboxes skip it.
 *
 * The rows are sent at once without waiting for each answer (one round trip for the batch instead of one per row).
 * Each but the first expects the stream's last message to be the row before it (Nats-Expected-Last-Msg-Id), so
 * JetStream refuses any row that would land without its predecessor: a failure in the middle never lets a later
 * event overtake an earlier one. Other writers may share the stream (transit publishes each tap's event straight to
 * the stream its outbox relays to). When one of their messages lands between two rows, the stream refuses the
 * second row and every row after it, and the relay sends those again at once, the first of them expecting
 * nothing. That is not a failure: nothing backs off, and each send stores at least its first row. An expected
 * sequence number (Nats-Expected-Last-Sequence) would not do: the other writer's message takes the refused row's
 * sequence, so the row after it matches and lands first.
 */
async function publishBatch(
  options: RelayOptions,
  publisher: JetStreamPublisher,
  holder: string,
  batchSize: number,
  unmarked: { seqs: string[] },
): Promise<{ published: number; failure: unknown; leader: boolean }> {
  const publishTimeoutMs = options.publishTimeoutMs ?? 2_000;
  const leaseMs = leaseMsFor(publishTimeoutMs);
  const { leader, rows } = await markLeaseAndRead(options.pool, {
    holder,
    leaseMs,
    batchSize,
    published: unmarked.seqs,
  });
  unmarked.seqs = [];
  if (!leader) return { published: 0, failure: undefined, leader: false };
  const published: string[] = [];
  let failure: unknown;
  let next = 0;
  while (next < rows.length && failure === undefined) {
    const sent = rows.slice(next);
    const acks = await publisher.publishAll(
      sent.map((row, index) => ({
        subject: row.subject,
        payload: row.payload,
        msgId: row.id,
        headers: row.headers,
        ...(index === 0 ? {} : { afterMsgId: (sent[index - 1] as StoredOutboxRow).id }),
      })),
      publishTimeoutMs,
    );
    const refused = acks.findIndex((settled) => settled.status === 'rejected');
    const stored = refused === -1 ? acks.length : refused;
    for (const row of sent.slice(0, stored)) published.push(row.seq);
    next += stored;
    if (refused === -1) break;
    const reason: unknown = (acks[refused] as PromiseRejectedResult).reason;
    // Refused only because another writer's message came after the row before it: the rest are sent again.
    if (refused === 0 || !isWrongLastMsgId(reason)) failure = reason;
  }
  unmarked.seqs = published;
  // After a failure the relay backs off: mark now, so the lag it reports meanwhile is true.
  if (failure !== undefined && published.length > 0) {
    await markPublished(options.pool, published);
    unmarked.seqs = [];
  }
  return { published: published.length, failure, leader: true };
}
