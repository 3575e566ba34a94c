// Each recorded tap as a JetStream event (transit.v1.events.tap.recorded, TapRecorded in an EventEnvelope) that a
// follower can replay: the wallet's risk engine judges travel between a resident's taps and payments from it.
// Published after the gate has its answer, straight to JetStream rather than through the outbox, so a tap's write
// stays one statement: the gate never waits for it. Nats-Msg-Id is the tap id, so a retried publish is stored once.
// The cost of that choice: a tap recorded just before transit dies, or while JetStream refuses, is not published
// (the fare is still settled from the database); the risk engine then misses that one tap. Each event carries its
// station's position from the GTFS feed (stop_lat/stop_lon), so a follower learns where stations are from the taps.
import { PubHeaders } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { transitEventSubjects } from '@citypass/contracts';
import type { Bus } from '@citypass/platform/bus';
import type { Logger } from '@citypass/platform/log';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { TapRecorded } from '@citypass/proto/transit/v1/transit';
import type { TapRecord } from '../app/transit_store.ts';
import type { StationPosition } from '../gtfs/feed.ts';
import { ackedPublisher } from './jetstream_acks.ts';

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

/** `bus`: the connection and its inbox prefix (platform's Bus), for the acknowledgements (jetstream_acks.ts). */
export function jetStreamTapEvents(
  bus: Pick<Bus, 'nc' | 'inboxPrefix'>,
  stationPositions: ReadonlyMap<string, StationPosition>,
  logger: Logger,
): TapEvents {
  const publisher = ackedPublisher(bus.nc, bus.inboxPrefix);
  const inFlight = new Set<Promise<void>>();
  let dropped = 0;
  // Taps of one group commit are answered in the same turn. Publishing them in one later turn lets the NATS client
  // write them to its socket at once: a publish per tap in a turn of its own cost a socket write per tap, the
  // largest part of transit's NATS CPU per tap under bench/transit_taps.ts.
  let queued: TapRecord[] = [];
  const publish = async (record: TapRecord): Promise<void> => {
    const headers = natsHeaders();
    for (const [key, value] of Object.entries(record.traceContext)) headers.set(key, value);
    headers.set(PubHeaders.MsgIdHdr, record.id);
    const envelope = tapEnvelope(record, stationPositions.get(record.stationId));
    await publisher.publish(transitEventSubjects.tapRecorded, envelope, headers);
  };
  const publishQueued = (): void => {
    const records = queued;
    queued = [];
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
  };
  return {
    recorded(records) {
      if (records.length === 0) return;
      if (queued.length === 0) setImmediate(publishQueued);
      queued.push(...records);
    },
    async idle() {
      while (queued.length > 0 || inFlight.size > 0) {
        if (queued.length > 0) await new Promise((resolve) => setImmediate(resolve));
        else await Promise.allSettled([...inFlight]);
      }
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
