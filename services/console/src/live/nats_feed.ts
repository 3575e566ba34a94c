// Feeds the live views from NATS as the console's read-only user: transit's tap decisions and settlement backlog,
// the wallet's authorization counts (core NATS live feeds) and identity's revocation events (for the lag). Plain
// subscriptions: nothing is stored or acknowledged, and what arrives while the console is down is not seen.
import { identityEventSubjects, liveSubjects } from '@citypass/contracts';
import type { Bus } from '@citypass/platform/bus';
import type { Logger } from '@citypass/platform/log';
import { EventEnvelope } from '@citypass/proto/common/v1/event';
import { CredentialRevoked } from '@citypass/proto/identity/v1/identity';
import { SettlementBacklog, TapDecided } from '@citypass/proto/transit/v1/transit';
import { AuthorizationsCounted } from '@citypass/proto/wallet/v1/wallet';
import type { LiveViews } from './live_views.ts';

export interface LiveFeed {
  stop(): void;
}

export function followLiveFeeds(bus: Bus, live: LiveViews, logger: Logger): LiveFeed {
  const handlers: [string, (data: Uint8Array) => void][] = [
    [
      liveSubjects.transitTaps,
      (data) => {
        const tap = TapDecided.decode(data);
        live.tapDecided({
          decidedAt: tap.decidedAt?.toISOString() ?? '',
          gateId: tap.gateId,
          stationId: tap.stationId,
          direction: tap.direction,
          decision: tap.decision,
          reason: tap.reason,
          offline: tap.offline,
        });
      },
    ],
    [
      liveSubjects.transitSettlement,
      (data) => {
        live.settlementBacklogMeasured(SettlementBacklog.decode(data).ridersDue);
      },
    ],
    [
      liveSubjects.walletAuthorizations,
      (data) => {
        const counted = AuthorizationsCounted.decode(data);
        live.authorizationsCounted(
          counted.approved.reduce((sum, each) => sum + Number(each.count), 0),
          counted.declines.map((each) => ({ reason: each.reason, count: Number(each.count) })),
        );
      },
    ],
    [
      identityEventSubjects.credentialRevoked,
      (data) => {
        const revokedAt = CredentialRevoked.decode(EventEnvelope.decode(data).payload).revokedAt;
        if (revokedAt !== undefined) live.revocationSeen(revokedAt.getTime());
      },
    ],
  ];
  const subscriptions = handlers.map(([subject, handle]) =>
    bus.nc.subscribe(subject, {
      callback: (error, message) => {
        if (error !== null) {
          logger.warn('a live feed failed', { subject, error: error.name });
          return;
        }
        try {
          handle(message.data);
        } catch (cause) {
          // A message that does not decode is dropped: the live views are never worth a crash.
          logger.warn('a live feed message did not decode', { subject, error: (cause as Error).name });
        }
      },
    }),
  );
  return {
    stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}
