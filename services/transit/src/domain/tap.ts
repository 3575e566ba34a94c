// A tap of one credential at a station gate, and the checks a tap history must pass before it is priced. Pure:
// "now" is a parameter, never read from a clock.
import { invalidArgument } from '@citypass/platform/errors';
import type { Network } from './network.ts';
import { transitReasons } from '@citypass/contracts';

export type TapDirection = 'in' | 'out';

export interface Tap {
  /** Unique per tap (the gate's tap id); a journey is named after its first tap. */
  readonly id: string;
  readonly stationId: string;
  readonly direction: TapDirection;
  /** Epoch milliseconds (UTC). */
  readonly atMs: number;
}

export const maxTapsPerComputation = 20_000;
/** A tap may be stamped at most this far ahead of "now" (gate clocks drift a little). */
export const allowedClockSkewMs = 2 * 60_000;
/** 2000-01-01T00:00:00Z: earlier stamps are a broken clock, not a journey. */
const earliestTapMs = 946_684_800_000;
const tapIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** Taps must be one credential's history in strictly increasing time, none later than `asOfMs` plus the skew. */
export function checkTaps(taps: readonly Tap[], network: Network, asOfMs: number): void {
  if (!Number.isSafeInteger(asOfMs) || asOfMs < earliestTapMs)
    throw invalidArgument(transitReasons.AS_OF_INVALID, 'asOfMs is epoch milliseconds');
  if (taps.length > maxTapsPerComputation) {
    throw invalidArgument(transitReasons.TOO_MANY_TAPS, `at most ${maxTapsPerComputation} taps per computation`);
  }
  const seen = new Set<string>();
  let previousMs = -Infinity;
  for (const tap of taps) {
    if (!tapIdPattern.test(tap.id))
      throw invalidArgument(transitReasons.TAP_ID_INVALID, 'tap ids are 1-128 of [A-Za-z0-9._:-]');
    if (seen.has(tap.id)) throw invalidArgument(transitReasons.TAP_DUPLICATE, `tap ${tap.id} appears twice`);
    seen.add(tap.id);
    const direction: string = tap.direction;
    if (direction !== 'in' && direction !== 'out')
      throw invalidArgument(transitReasons.TAP_DIRECTION_INVALID, `tap ${tap.id}: direction is in or out`);
    if (!network.stations.has(tap.stationId))
      throw invalidArgument(transitReasons.TAP_STATION_UNKNOWN, `tap ${tap.id}: unknown station`);
    if (!Number.isSafeInteger(tap.atMs) || tap.atMs < earliestTapMs)
      throw invalidArgument(transitReasons.TAP_TIME_INVALID, `tap ${tap.id}: atMs is epoch milliseconds`);
    if (tap.atMs <= previousMs)
      throw invalidArgument(transitReasons.TAPS_OUT_OF_ORDER, `tap ${tap.id} is not later than the tap before it`);
    if (tap.atMs > asOfMs + allowedClockSkewMs)
      throw invalidArgument(transitReasons.TAP_IN_FUTURE, `tap ${tap.id} is later than now`);
    previousMs = tap.atMs;
  }
}

/** Merges taps that arrived in any order (late uploads from offline gates) into the order checkTaps wants. */
export function inTimeOrder(taps: readonly Tap[]): Tap[] {
  return [...taps].sort(
    (first, second) => first.atMs - second.atMs || (first.id < second.id ? -1 : first.id > second.id ? 1 : 0),
  );
}
