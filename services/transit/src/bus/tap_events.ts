// Each recorded tap as a JetStream event (transit.v1.events.tap.recorded, TapRecorded in an EventEnvelope) that a
// follower can replay: the wallet's risk engine judges travel between a resident's taps and payments from it.
// Published after the gate has its answer, straight to JetStream rather than through the outbox, so a tap's write
// stays one statement: the gate never waits for it. Nats-Msg-Id is the tap id, so a retried publish is stored once.
// The cost of that choice: a tap recorded just before transit dies, or while JetStream refuses, is not published
// (the fare is still settled from the database); the risk engine then misses that one tap. Each event carries its
// station's position from the GTFS feed (stop_lat/stop_lon), so a follower learns where stations are from the taps.
import { transitEventSubjects } from '@citypass/contracts';
import type { Bus } from '@citypass/platform/bus';
import { JetStreamPublisher, type Publication } from '@citypass/platform/jetstream_publish';
import type { Logger } from '@citypass/platform/log';
import { encodeMessage } from '@citypass/platform/protobuf';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { TapRecorded } from '@citypass/proto/transit/v1/transit';
import type { TapRecord } from '../app/transit_store.ts';
import type { StationPosition } from '../gtfs/feed.ts';

export interface TapEvents {
  /**
   * Queues the publication of taps just recorded; returns at once. They are published in the next turn of the event
   * loop, after the answers of this one are on their way, together with every other tap queued in this turn.
   */
  recorded(records: readonly TapRecord[]): void;
  /** Resolves once every publication queued so far is acknowledged or failed (before the bus closes). */
  idle(): Promise<void>;
}

/** Publications waiting for JetStream's acknowledgement; past this, a tap's event is dropped (and logged). */
export const maxTapEventsInFlight = 4_096;

/** How long a turn's publications wait for their acknowledgements before they count as not published. */
const ackTimeoutMs = 5_000;

export function jetStreamTapEvents(
  bus: Pick<Bus, 'nc'>,
  stationPositions: ReadonlyMap<string, StationPosition>,
  logger: Logger,
): TapEvents {
  // The acknowledgements of a turn's publications come to one subscription (platform jetstream_publish.ts), not a
  // request per tap.
  const publisher = new JetStreamPublisher(bus.nc);
  const batches = new Set<Promise<void>>();
  let inFlight = 0;
  let dropped = 0;
  // Taps of one group commit are answered in the same turn. Publishing them in one later turn lets the NATS client
  // write them to its socket at once: a publish per tap in a turn of its own cost a socket write per tap, the
  // largest part of transit's NATS CPU per tap under bench/transit_taps.ts.
  let queued: TapRecord[] = [];
  const publicationOf = (record: TapRecord): Publication => ({
    subject: transitEventSubjects.tapRecorded,
    payload: tapEnvelope(record, stationPositions.get(record.stationId)),
    msgId: record.id,
    headers: record.traceContext,
  });
  const publishQueued = (): void => {
    const room = Math.max(0, maxTapEventsInFlight - inFlight);
    const sent = queued.length <= room ? queued : queued.slice(0, room);
    if (sent.length < queued.length) {
      if (dropped === 0) logger.warn('tap events dropped: JetStream is not keeping up', { inFlight });
      dropped += queued.length - sent.length;
    }
    queued = [];
    if (sent.length === 0) return;
    inFlight += sent.length;
    const batch = publisher
      .publishAll(sent.map(publicationOf), ackTimeoutMs)
      .then((outcomes) => {
        for (const [index, outcome] of outcomes.entries())
          if (outcome.status === 'rejected')
            logger.warn('a tap event was not published', { tapId: sent[index]?.id, error: outcome.reason });
      })
      .finally(() => {
        inFlight -= sent.length;
        batches.delete(batch);
        if (inFlight === 0 && dropped > 0) {
          logger.warn('tap events were dropped while JetStream was not keeping up', { dropped });
          dropped = 0;
        }
      });
    batches.add(batch);
  };
  return {
    recorded(records) {
      if (records.length === 0) return;
      if (queued.length === 0) setImmediate(publishQueued);
      queued.push(...records);
    },
    async idle() {
      while (queued.length > 0 || batches.size > 0) {
        if (queued.length > 0) await new Promise((resolve) => setImmediate(resolve));
        else await Promise.allSettled([...batches]);
      }
    },
  };
}

/**
 * The tap's event; `stationPosition` undefined: the feed does not place its station. Both messages go through the
 * process's one protobuf writer (platform protobuf.ts): a generated encode() starts a 128-byte buffer per message and
 * doubles it until the message fits, off the JavaScript heap.
 */
export function tapEnvelope(record: TapRecord, stationPosition: StationPosition | undefined): Uint8Array {
  const payload = encodeMessage(TapRecorded, {
    tapId: record.id,
    residentId: record.residentId,
    credentialId: record.credentialId,
    stationId: record.stationId,
    gateId: record.gateId,
    direction: record.direction,
    tappedAt: new Date(record.tappedAtMs),
    concession: record.concession,
    offline: record.source === 'offline',
    stationPosition,
  });
  return encodeMessage(EventEnvelope, {
    // The event id is the tap id (and its Nats-Msg-Id): one tap, one event.
    id: record.id,
    type: transitEventSubjects.tapRecorded,
    version: 1,
    occurredAt: new Date(),
    source: 'transit',
    payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
  });
}
