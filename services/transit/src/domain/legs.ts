// Pairs a credential's taps into legs: an entry with its exit, an entry without an exit (the next tap was an
// entry, or the journey timed out), an exit without an entry, or an entry still in progress. Pure.
import type { FareSchedule } from './fare_rules.ts';
import { rulesForServiceDay } from './fare_rules.ts';
import { msPerMinute, serviceDayOf } from './service_day.ts';
import type { Tap } from './tap.ts';

export interface CompleteLeg {
  readonly status: 'complete';
  readonly tapIn: Tap;
  readonly tapOut: Tap;
}

/** An exit later than the maximum journey time after the entry: one journey at the maximum fare. */
export interface TimeExceededLeg {
  readonly status: 'time_exceeded';
  readonly tapIn: Tap;
  readonly tapOut: Tap;
}

/** No exit: `no_tap_out` once due (next tap was an entry, time limit passed, or service day over), else `open`. */
export interface MissingExitLeg {
  readonly status: 'no_tap_out' | 'open';
  readonly tapIn: Tap;
  readonly tapOut: null;
}

export interface MissingEntryLeg {
  readonly status: 'no_tap_in';
  readonly tapIn: null;
  readonly tapOut: Tap;
}

export type Leg = CompleteLeg | TimeExceededLeg | MissingExitLeg | MissingEntryLeg;
export type LegStatus = Leg['status'];

export function pairLegs(taps: readonly Tap[], schedule: FareSchedule, asOfMs: number): Leg[] {
  const legs: Leg[] = [];
  let entry: Tap | null = null;
  for (const tap of taps) {
    if (tap.direction === 'in') {
      if (entry !== null) legs.push({ status: 'no_tap_out', tapIn: entry, tapOut: null });
      entry = tap;
    } else if (entry === null) {
      legs.push({ status: 'no_tap_in', tapIn: null, tapOut: tap });
    } else {
      const inTime = tap.atMs - entry.atMs <= maxJourneyMs(entry, schedule);
      legs.push({ status: inTime ? 'complete' : 'time_exceeded', tapIn: entry, tapOut: tap });
      entry = null;
    }
  }
  if (entry !== null)
    legs.push({ status: isDue(entry, schedule, asOfMs) ? 'no_tap_out' : 'open', tapIn: entry, tapOut: null });
  return legs;
}

function maxJourneyMs(entry: Tap, schedule: FareSchedule): number {
  return rulesForServiceDay(schedule, serviceDayOf(entry.atMs, schedule.serviceDay)).maxJourneyMinutes * msPerMinute;
}

/** An entry without an exit is charged once its time limit has passed or its service day has ended. */
function isDue(entry: Tap, schedule: FareSchedule, asOfMs: number): boolean {
  const timedOut = asOfMs - entry.atMs > maxJourneyMs(entry, schedule);
  const dayOver = serviceDayOf(asOfMs, schedule.serviceDay) > serviceDayOf(entry.atMs, schedule.serviceDay);
  return timedOut || dayOver;
}
