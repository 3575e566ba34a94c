// Each recorded tap as a JetStream event (transit.v1.events.tap.recorded, TapRecorded in an EventEnvelope) that a
// follower can replay: the wallet's risk engine judges travel between a resident's taps and payments from it.
// Published after the gate has its answer, straight to JetStream rather than through the outbox, so a tap's write
// stays one statement: the gate never waits for it. Nats-Msg-Id is the tap id, so a retried publish is stored once.
// The cost of that choice: a tap recorded just before transit dies, or while JetStream refuses, is not published
// (the fare is still settled from the database); the risk engine then misses that one tap. Each event carries its
// station's position from the GTFS feed (stop_lat/stop_lon), so a follower learns where stations are from the taps.
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { transitEventSubjects } from '@citypass/contracts';
import type { Logger } from '@citypass/platform/log';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { TapRecorded } from '@citypass/proto/transit/v1/transit';
import type { TapRecord } from '../app/transit_store.ts';
import type { StationPosition } from '../gtfs/feed.ts';

export interface TapEvents {
  /** Queues the publication of taps just recorded; returns at once. */
  recorded(records: readonly TapRecord[]): void;
  /** Resolves once every publication queued so far is acknowledged or failed (before the bus closes). */
  idle(): Promise<void>;
}

/** Publications waiting for JetStream's acknowledgement; past this, a tap's event is dropped (and logged). */
export const maxTapEventsInFlight = 4_096;

export function jetStreamTapEvents(
  js: JetStreamClient,
  stationPositions: ReadonlyMap<string, StationPosition>,
  logger: Logger,
): TapEvents {
  const inFlight = new Set<Promise<void>>();
  let dropped = 0;
  const publish = async (record: TapRecord): Promise<void> => {
    const headers = natsHeaders();
    for (const [key, value] of Object.entries(record.traceContext)) headers.set(key, value);
    const envelope = tapEnvelope(record, stationPositions.get(record.stationId));
    await js.publish(transitEventSubjects.tapRecorded, envelope, { msgID: record.id, headers });
  };
  return {
    recorded(records) {
      for (const record of records) {
        if (inFlight.size >= maxTapEventsInFlight) {
          if (dropped++ === 0)
            logger.warn('tap events dropped: JetStream is not keeping up', { inFlight: inFlight.size });
          continue;
        }
        const published = publish(record)
          .catch((error: unknown) => {
            logger.warn('a tap event was not published', { tapId: record.id, error });
          })
          .finally(() => {
            inFlight.delete(published);
            if (inFlight.size === 0 && dropped > 0) {
              logger.warn('tap events were dropped while JetStream was not keeping up', { dropped });
              dropped = 0;
            }
          });
        inFlight.add(published);
      }
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** The tap's event; `stationPosition` undefined: the feed does not place its station. */
export function tapEnvelope(record: TapRecord, stationPosition: StationPosition | undefined): Uint8Array {
  const payload = TapRecorded.encode({
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
  }).finish();
  return EventEnvelope.encode({
    // The event id is the tap id (and its Nats-Msg-Id): one tap, one event.
    id: record.id,
    type: transitEventSubjects.tapRecorded,
    version: 1,
    occurredAt: new Date(),
    source: 'transit',
    payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
  }).finish();
}
