// The live views' feed (the operator console's): each online tap's decision and each settlement pass's backlog, on
// core NATS (no JetStream, nothing stored, no acknowledgement waited for). A publish only appends to the
// connection's buffer, which the client flushes on its own; a feed nobody listens to costs the write alone.
import type { NatsConnection } from '@nats-io/transport-node';
import { liveSubjects } from '@citypass/contracts';
import { SettlementBacklog, TapDecided } from '@citypass/proto/transit/v1/transit';

export interface LiveFeed {
  tapDecided(tap: TapDecided): void;
  settlementBacklog(backlog: SettlementBacklog): void;
}

export function natsLiveFeed(nc: NatsConnection): LiveFeed {
  return {
    tapDecided(tap) {
      nc.publish(liveSubjects.transitTaps, TapDecided.encode(tap).finish());
    },
    settlementBacklog(backlog) {
      nc.publish(liveSubjects.transitSettlement, SettlementBacklog.encode(backlog).finish());
    },
  };
}
