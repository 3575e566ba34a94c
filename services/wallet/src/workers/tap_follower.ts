// Feeds transit's recorded taps (transit.v1.events.tap.recorded) into the risk engine: each tap at a placed station
// becomes the resident's last known place (a station is placed by WALLET_RISK_PLACES or, failing that, by the GTFS
// position the tap carries, which is learned for the fares at that station too: app/known_places.ts), so a payment at a placed merchant minutes later and kilometres away is
// stepped up (impossible travel), and the next fare is judged against it. At start the last `replayWindowMs` of
// the stream are replayed before the wallet serves (the engine compares taps of the last three hours at most), so
// a restart forgets no tap that matters (taps older than the window are gone, but the stations a resident used
// in the thirty days the engine remembers come back with the stored decisions: a settled fare is placed at its
// tap-in station, risk_scoring.ts). Every wallet instance follows the whole stream with its own ordered
// consumer (platform's followStream): all instances learn the same taps, whichever one serves a payment. A shadow
// report's backtest reads the taps of its period back the same way (streamPastTaps).
import { transitEventSubjects } from '@citypass/contracts';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from '@citypass/platform/log';
import { runPeriodically } from '@citypass/platform/periodic';
import { followStream, type StreamFollower } from '@citypass/platform/stream_follower';
import { TapRecorded } from '@citypass/proto/transit/v1/transit';
import type { EventEnvelope } from '@citypass/proto/common/v1/event';
import type { GateTap, RiskEngine } from '@citypass/risk';
import type { KnownPlaces } from '../app/known_places.ts';
import type { RiskScoring } from '../app/risk_scoring.ts';
import type { PastTaps } from '../app/risk_shadow_report.ts';
import type { WalletConfig } from '../config.ts';

export interface TapFollowerOptions {
  readonly js: JetStreamClient;
  /** Transit's stream (TRANSIT_STREAM). */
  readonly stream: string;
  readonly engine: RiskEngine;
  readonly places: KnownPlaces;
  readonly replayWindowMs: number;
  readonly logger: Logger;
}

/** How long start waits for the replay; past it the wallet serves and the replay goes on. */
export const tapReplayWaitMs = 30_000;
/** Unplaced stations warned about, each once (a bound on what a misconfigured city can make it remember). */
const maxUnplacedWarned = 256;

export async function startTapFollower(options: TapFollowerOptions): Promise<StreamFollower> {
  const { engine, places, logger } = options;
  const unplaced = new Set<string>();
  let learned = 0;
  const handler = (envelope: EventEnvelope): void => {
    const read = gateTapOf(envelope, places);
    switch (read.kind) {
      case 'other':
        return;
      case 'malformed':
        logger.warn('a tap event without a time or a resident skipped', { eventId: envelope.id });
        return;
      case 'unplaced':
        if (!unplaced.has(read.stationId) && unplaced.size < maxUnplacedWarned) {
          unplaced.add(read.stationId);
          logger.warn('taps at a station placed neither by WALLET_RISK_PLACES nor by a position are not judged', {
            station: read.stationId,
          });
        }
        return;
      case 'tap':
        engine.recordTap(read.tap);
        learned++;
    }
  };
  const startedAt = performance.now();
  const follower = await followStream({
    js: options.js,
    stream: options.stream,
    filterSubject: transitEventSubjects.tapRecorded,
    handler,
    logger,
    // The stream stamps events with the broker's clock, not the wallet's (which tests run ahead).
    startTime: new Date(Date.now() - options.replayWindowMs),
  });
  const caughtUp = await follower.caughtUp(tapReplayWaitMs);
  const fields = { replayed: learned, ms: Math.round(performance.now() - startedAt) };
  if (caughtUp) logger.info('taps replayed into the risk engine', fields);
  else logger.warn('tap replay still running; serving meanwhile', fields);
  return follower;
}

/** One event of transit's stream as the engine learns it: a placed tap, or why it is not one. */
type TapReading =
  | { readonly kind: 'tap'; readonly tap: GateTap }
  | { readonly kind: 'unplaced'; readonly stationId: string }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'other' };

function gateTapOf(envelope: EventEnvelope, places: KnownPlaces): TapReading {
  if (envelope.type !== transitEventSubjects.tapRecorded) return { kind: 'other' };
  const tap = TapRecorded.decode(envelope.payload);
  const atMs = tap.tappedAt?.getTime();
  if (atMs === undefined || !Number.isFinite(atMs) || tap.residentId === '') return { kind: 'malformed' };
  if (tap.stationPosition !== undefined) places.learnStation(tap.stationId, tap.stationPosition);
  const place = places.station(tap.stationId);
  if (place === undefined) return { kind: 'unplaced', stationId: tap.stationId };
  return {
    kind: 'tap',
    tap: { atMs, residentId: tap.residentId, concession: tap.concession, place, stationId: tap.stationId },
  };
}

/** Read back time past the period's start, for the broker's and the wallet's clocks not quite agreeing. */
const pastTapsSlackMs = 60_000;

/**
 * Transit's past taps for a backtest, read from its stream with a throwaway ordered consumer up to what the stream
 * held when asked (waiting tapReplayWaitMs at most). The stream stamps events with the broker's clock, the period is
 * on the wallet's: the read starts as long before the broker's now as the period starts before the wallet's (more,
 * never less, when the wallet's clock runs ahead), and the taps are then kept by their own tap time.
 */
export function streamPastTaps(
  js: JetStreamClient,
  stream: string,
  places: KnownPlaces,
  now: () => number,
  logger: Logger,
): PastTaps {
  return {
    async between(fromMs, untilMs, limit) {
      const taps: GateTap[] = [];
      const follower = await followStream({
        js,
        stream,
        filterSubject: transitEventSubjects.tapRecorded,
        logger,
        startTime: new Date(Date.now() - Math.max(0, now() - fromMs) - pastTapsSlackMs),
        handler: (envelope) => {
          const read = gateTapOf(envelope, places);
          if (read.kind === 'tap' && read.tap.atMs >= fromMs && read.tap.atMs <= untilMs && taps.length < limit)
            taps.push(read.tap);
        },
      });
      try {
        if (!(await follower.caughtUp(tapReplayWaitMs)))
          logger.warn('backtest taps read only in part: the stream was not read to its end in time', {
            read: taps.length,
          });
      } finally {
        await follower.stop();
      }
      // Offline gates upload their taps late: the stream's order is not the taps'.
      return taps.sort((left, right) => left.atMs - right.atMs);
    },
  };
}

/** How often the wallet looks again for transit's stream when it started first. */
export const tapStreamRetryMs = 5_000;

/**
 * Follows transit's taps when the risk engine runs and a tap can be placed: a station placed by WALLET_RISK_PLACES,
 * or WALLET_RISK_ORIGIN to place the positions taps carry (a tap at no known place judges nothing). With transit's stream there, the replay is done (or tapReplayWaitMs spent) before this returns, so a
 * restarted wallet serves knowing its window's taps. Without it (transit not started yet), the wallet serves at once
 * and looks again every tapStreamRetryMs: it has no taps to forget then.
 */
export async function followTaps(
  js: JetStreamClient,
  scoring: RiskScoring | undefined,
  config: Pick<WalletConfig, 'TRANSIT_STREAM' | 'WALLET_RISK_TAP_REPLAY_S'>,
  logger: Logger,
): Promise<{ stop(): Promise<void> } | undefined> {
  if (scoring === undefined || !scoring.places.placesTaps) return undefined;
  const options: TapFollowerOptions = {
    js,
    stream: config.TRANSIT_STREAM,
    engine: scoring.engine,
    places: scoring.places,
    replayWindowMs: config.WALLET_RISK_TAP_REPLAY_S * 1000,
    logger,
  };
  const attempt = async (): Promise<StreamFollower | undefined> =>
    startTapFollower(options).catch((error: unknown) => {
      logger.info("transit's tap stream is not followed yet; trying again", { stream: options.stream, error });
      return undefined;
    });
  let follower = await attempt();
  if (follower !== undefined) return follower;
  const retry = runPeriodically({ name: 'tap stream follow', intervalMs: tapStreamRetryMs, logger }, async () => {
    follower ??= await attempt();
  });
  return {
    stop: async () => {
      await retry.stop();
      await follower?.stop();
    },
  };
}
