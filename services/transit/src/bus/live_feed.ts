// The live views' feed (the operator console's): each online tap's decision and each settlement pass's backlog, on
// core NATS (no JetStream, nothing stored, no acknowledgement waited for). A publish only appends to the
// connection's buffer, which the client flushes on its own; a feed nobody listens to costs the write alone. A tap's
// decision is published in the turn after it was made (LiveFeed.tapDecided returns at once).
import type { NatsConnection } from '@nats-io/transport-node';
import { liveSubjects } from '@citypass/contracts';
import { encodeMessage } from '@citypass/platform/protobuf';
import { SettlementBacklog, TapDecided } from '@citypass/proto/transit/v1/transit';

export interface LiveFeed {
  tapDecided(tap: TapDecided): void;
  settlementBacklog(backlog: SettlementBacklog): void;
}

export function natsLiveFeed(nc: NatsConnection): LiveFeed {
  // Decisions made in one turn of the event loop (the taps of one group commit) are published together in the next,
  // after their answers are on their way: one socket write for all of them, not one per tap.
  let queued: TapDecided[] = [];
  const publishQueued = (): void => {
    const decided = queued;
    queued = [];
    for (const tap of decided) nc.publish(liveSubjects.transitTaps, encodeMessage(TapDecided, tap));
  };
  return {
    tapDecided(tap) {
      if (queued.length === 0) setImmediate(publishQueued);
      queued.push(tap);
    },
    settlementBacklog(backlog) {
      nc.publish(liveSubjects.transitSettlement, encodeMessage(SettlementBacklog, backlog));
    },
  };
}
