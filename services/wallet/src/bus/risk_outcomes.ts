// Risk outcomes shared between wallet instances (issue 13: "two wallet instances must agree"), so a resident's
// counters count every payment and refused attempt whichever instance served it (a card-testing burst spread over
// two instances is counted whole by each). After an instance records an outcome in its engine (risk_scoring.ts:
// the ledger committed or refused, or the rules refused), it publishes it here, once the caller has its answer
// (no await on the decision path), with the others it recorded within `shareDelayMs` in one message: under load a
// message carries many outcomes, so the stream's per-message cost (the publish's ack, each instance's delivery) is
// shared by them. Every instance follows the stream with its own ordered consumer and applies the others' outcomes
// to its engine, each decision once (a bounded set of the ids applied), and passes over its own messages by a header
// that names the instance, before decoding them: with two instances half the messages are its own, each carrying up
// to `maxOutcomesPerMessage` events to decode for nothing.
//
// Start: the database is the record (the rebuild replays every stored decision) and the stream is kept minutes.
// The follow starts first, `startMarginMs` back (a refused decision is stored up to a flush interval after it is
// published), and holds what it receives; the rebuild then replays the database, and in the same snapshot asks
// which of the held decisions it counted: those are dropped, the rest applied, and the follow goes live. An outcome
// is published up to `shareDelayMs` after it was stored, so one the replay counted may still arrive after that:
// the ids of the newest decisions the replay counted are remembered as applied, and such a late copy is dropped.
// So an outcome is counted once whether it was stored before the snapshot, published after it, or both.
import { randomUUID } from 'node:crypto';
import { propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { walletRiskOutcomesStream, walletRiskSubjects } from '@citypass/contracts';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { ensureStream } from '@citypass/platform/bus';
import { isUuid } from '@citypass/platform/ids';
import type { Logger } from '@citypass/platform/log';
import { followStream, type StreamFollower } from '@citypass/platform/stream_follower';
import { traceFields } from '@citypass/platform/trace_headers';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { RiskOutcomesRecorded } from '@citypass/proto/wallet/v1/risk_outcomes';
import type { RecordedEvent, RiskEngine } from '@citypass/risk';
import { riskEventFromJson } from '../domain/risk_event_json.ts';
import type { RiskOutcomeListener } from '../app/risk_scoring.ts';
import type { ReplaySnapshot, RiskDecisionRecord } from '../app/store.ts';
import { walletMetrics } from '../metrics.ts';

/** How long the stream keeps an outcome: the start margin and a broker reconnect, not history (the database is). */
export const outcomesKeptMs = 5 * 60_000;
/**
 * Outcomes recorded within this are published together (the others learn them that much later). A message costs
 * far more than an outcome in it (the publish and its ack, the error object nats.js makes up front for every
 * request, each instance's delivery): in one process sharing ~850 outcomes a second (load ~10, 2026-12-07) the
 * sharing cost 64 ms of CPU a second at 25 ms, 36 at 100 and 19-26 at 250; a ~150-byte event instead of the
 * ~600-byte one saved next to nothing. 250 ms is still far inside the shortest window a rule counts over (ten
 * minutes): a card-testing burst spread over two instances reaches each a quarter of a second late. Held that long
 * as objects, the outcomes were promoted into the old generation: 30.5 MB of 45,000 outcomes in a private probe
 * (1,500 a second beside ~60 KB of short-lived garbage each, 8 MB semi-spaces), 4.5 MB with each encoded into the
 * message as it is recorded (#message), and one full GC instead of two.
 */
export const shareDelayMs = 250;
/** Outcomes in one message at most (~0.7 KB each, far below NATS's 1 MB). */
export const maxOutcomesPerMessage = 256;
/** Outcomes waiting for their message or its ack; past it one is dropped (counted) rather than queued without bound. */
export const maxUnshared = 8_192;
/** Outcomes held while the rebuild runs; past it one is dropped (counted). */
export const maxHeldAtStart = 100_000;
/**
 * Decision ids remembered as applied (or rebuilt), the newest: a redelivery is a recent message, and a late copy of
 * one the rebuild counted was stored at most `shareDelayMs` and a publish before it arrives (20 seconds of 1,000
 * decisions a second).
 */
export const maxRememberedIds = 20_000;
/**
 * How far back a starting instance follows the stream: a declined decision is stored by the next flush
 * (WALLET_COUNTS_FLUSH_MS) after it was published, so one published earlier than this before the rebuild's snapshot
 * is in the database, and one published later is either there (dropped as rebuilt) or applied from the stream.
 */
export function riskShareStartMarginMs(flushIntervalMs: number): number {
  return 5_000 + 3 * flushIntervalMs;
}
/** How long start waits for the follow to catch up with the stream before the rebuild. */
const catchUpWaitMs = 10_000;

const tracer = trace.getTracer('citypass.wallet');
const eventType = walletRiskSubjects.outcomes;
/** The header naming the instance that published a message (RiskOutcomesRecorded.instance_id), read before decoding. */
export const instanceHeader = 'Citypass-Wallet-Instance';

interface Received {
  readonly decisionId: string;
  readonly outcome: RecordedEvent;
  readonly traceContext: Readonly<Record<string, string>>;
}

export class RiskOutcomeSharing implements RiskOutcomeListener {
  readonly instanceId = randomUUID();
  readonly #js: JetStreamClient;
  readonly #logger: Logger;
  #engine: RiskEngine | undefined;
  #held: Received[] = [];
  readonly #applied = new Set<string>();
  /**
   * The next message, each outcome encoded into it as it is recorded (protobuf merges concatenated messages, and a
   * repeated field's elements append), and how many it holds. Kept as objects until the message, every outcome (its
   * event's JSON, ~0.7 KB) outlived a scavenge or two in the 250 ms it waited, and was copied into the old
   * generation to die there. The writer (an empty message's) and its buffer are reused.
   */
  readonly #message = RiskOutcomesRecorded.encode({ instanceId: '', outcomes: [] });
  #outcomes = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Outcomes in the next message or in messages not acknowledged yet. */
  #unshared = 0;
  readonly #publishing = new Set<Promise<void>>();
  #follower: StreamFollower | undefined;

  constructor(js: JetStreamClient, logger: Logger) {
    this.#js = js;
    this.#logger = logger;
  }

  /** Queues an outcome this instance's engine recorded for the next message; never throws, never waits. */
  recorded(record: RiskDecisionRecord, approved: boolean): void {
    if (this.#unshared >= maxUnshared) {
      walletMetrics.riskOutcomesDropped.add(1, { reason: 'publish_backlog' });
      return;
    }
    this.#unshared++;
    if (this.#outcomes === 0) RiskOutcomesRecorded.encode({ instanceId: this.instanceId, outcomes: [] }, this.#message);
    const outcome = {
      decisionId: record.decisionId,
      approved,
      eventJson: record.eventJson,
      traceContext: traceFields(),
    };
    RiskOutcomesRecorded.encode({ instanceId: '', outcomes: [outcome] }, this.#message);
    this.#outcomes++;
    if (this.#outcomes >= maxOutcomesPerMessage) this.#publish();
    else
      this.#timer ??= setTimeout(() => {
        this.#publish();
      }, shareDelayMs);
  }

  /** The follower's handler: other instances' outcomes, held until the rebuild settled, then applied. */
  receive(envelope: EventEnvelope): void {
    for (const received of this.#decode(envelope)) {
      if (this.#applied.has(received.decisionId)) walletMetrics.riskOutcomesDropped.add(1, { reason: 'duplicate' });
      else if (this.#engine !== undefined) this.#apply(this.#engine, received);
      else if (this.#held.length >= maxHeldAtStart)
        walletMetrics.riskOutcomesDropped.add(1, { reason: 'start_backlog' });
      else this.#held.push(received);
    }
  }

  /**
   * Called by the rebuild after its last page, in its snapshot: the held outcomes it counted are dropped, the rest
   * applied to `engine`, and from then on outcomes are applied as they arrive, but for the newest it counted.
   */
  async settle(engine: RiskEngine, snapshot: ReplaySnapshot): Promise<void> {
    // Published after the snapshot, though stored before it: remembered, so a copy arriving later is dropped.
    for (const decisionId of await snapshot.newest(maxRememberedIds)) this.#remember(decisionId);
    // Outcomes keep arriving while the database answers: ask again for those, until none is held.
    while (this.#held.length > 0) {
      const held = this.#held;
      this.#held = [];
      const counted = await snapshot.counted(held.map((each) => each.decisionId));
      for (const each of held) {
        if (counted.has(each.decisionId)) {
          this.#remember(each.decisionId);
          walletMetrics.riskOutcomesDropped.add(1, { reason: 'rebuilt' });
        } else if (this.#applied.has(each.decisionId)) {
          walletMetrics.riskOutcomesDropped.add(1, { reason: 'duplicate' });
        } else this.#apply(engine, each);
      }
    }
    this.#engine = engine;
  }

  /** Publishes what is queued, waits for the acks, and stops following. */
  async stop(): Promise<void> {
    this.#publish();
    await Promise.all(this.#publishing);
    await this.#follower?.stop();
  }

  /** Starts following `startMarginMs` back, holding what arrives; resolves once caught up (or after a wait). */
  async follow(startMarginMs: number): Promise<void> {
    const startedAt = performance.now();
    this.#follower = await followStream({
      js: this.#js,
      stream: walletRiskOutcomesStream,
      filterSubject: walletRiskSubjects.outcomes,
      skip: (headers) => this.#isOwn(headers),
      handler: (envelope) => {
        this.receive(envelope);
      },
      logger: this.#logger,
      // The stream stamps messages with the broker's clock, not the wallet's (which tests run ahead).
      startTime: new Date(Date.now() - startMarginMs),
    });
    const caughtUp = await this.#follower.caughtUp(catchUpWaitMs);
    const fields = { held: this.#held.length, ms: Math.round(performance.now() - startedAt) };
    if (caughtUp) this.#logger.info('shared risk outcomes followed', fields);
    else this.#logger.warn('shared risk outcomes still catching up; rebuilding meanwhile', fields);
  }

  #publish(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const outcomes = this.#outcomes;
    if (outcomes === 0) return;
    this.#outcomes = 0;
    const payload = this.#message.finish();
    const id = randomUUID();
    const envelope = EventEnvelope.encode({
      id,
      type: eventType,
      version: 1,
      occurredAt: new Date(),
      source: 'wallet',
      payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    }).finish();
    const headers = natsHeaders();
    headers.set(instanceHeader, this.instanceId);
    const published = this.#js.publish(walletRiskSubjects.outcomes, envelope, { msgID: id, headers }).then(
      () => {
        walletMetrics.riskOutcomesShared.add(outcomes);
      },
      (error: unknown) => {
        walletMetrics.riskOutcomesDropped.add(outcomes, { reason: 'publish_failed' });
        this.#logger.warn('risk outcomes were not shared with the other wallet instances', {
          outcomes,
          error,
        });
      },
    );
    const tracked = published.finally(() => {
      this.#unshared -= outcomes;
      this.#publishing.delete(tracked);
    });
    this.#publishing.add(tracked);
  }

  #isOwn(headers: MsgHdrs | undefined): boolean {
    return headers?.get(instanceHeader) === this.instanceId;
  }

  #decode(envelope: EventEnvelope): Received[] {
    let recorded: RiskOutcomesRecorded;
    try {
      if (envelope.type !== eventType) throw new Error(`not risk outcomes: ${envelope.type}`);
      recorded = RiskOutcomesRecorded.decode(envelope.payload);
    } catch (error) {
      walletMetrics.riskOutcomesDropped.add(1, { reason: 'malformed' });
      this.#logger.warn('shared risk outcomes skipped', { eventId: envelope.id, error });
      return [];
    }
    // Its own are passed over by their header (#isOwn); one without it (an instance from before the header) here.
    if (recorded.instanceId === this.instanceId) return [];
    const received: Received[] = [];
    for (const { decisionId, approved, eventJson, traceContext } of recorded.outcomes) {
      try {
        if (!isUuid(decisionId)) throw new Error('the decision id is not a UUID');
        const event = riskEventFromJson(JSON.parse(eventJson) as Parameters<typeof riskEventFromJson>[0]);
        received.push({ decisionId, outcome: { event, approved }, traceContext });
      } catch (error) {
        walletMetrics.riskOutcomesDropped.add(1, { reason: 'malformed' });
        this.#logger.warn('a shared risk outcome skipped', { eventId: envelope.id, error });
      }
    }
    return received;
  }

  #apply(engine: RiskEngine, { decisionId, outcome, traceContext }: Received): void {
    engine.replayRecorded([outcome]);
    this.#remember(decisionId);
    walletMetrics.riskOutcomesApplied.add(1);
    // A link, not a parent: the applying is this instance's work, caused by the request that recorded it.
    const origin = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, traceContext));
    tracer
      .startSpan('risk outcome apply', {
        kind: SpanKind.CONSUMER,
        links: origin === undefined ? [] : [{ context: origin }],
        attributes: { 'citypass.risk.decision_id': decisionId, 'citypass.risk.approved': outcome.approved },
      })
      .end();
  }

  #remember(decisionId: string): void {
    if (this.#applied.size >= maxRememberedIds) {
      const oldest = this.#applied.values().next();
      if (oldest.done !== true) this.#applied.delete(oldest.value);
    }
    this.#applied.add(decisionId);
  }
}

/** Creates the stream (every instance may) and starts following it from `startMarginMs` back, holding outcomes. */
export async function startRiskOutcomeSharing(
  bus: { readonly js: JetStreamClient; readonly jsm: JetStreamManager },
  startMarginMs: number,
  logger: Logger,
): Promise<RiskOutcomeSharing> {
  await ensureStream(bus.jsm, {
    name: walletRiskOutcomesStream,
    subjects: [walletRiskSubjects.outcomes],
    maxAgeMs: outcomesKeptMs,
  });
  const sharing = new RiskOutcomeSharing(bus.js, logger);
  await sharing.follow(startMarginMs);
  return sharing;
}
