// Groups legs into journeys: a complete leg that starts within the transfer window after the previous exit, on the
// same service day, continues that journey, unless it returns to where the journey began or the whole journey
// would exceed the maximum journey time. Legs with a missing tap are journeys of their own. Pure.
import type { FareRules, FareSchedule } from './fare_rules.ts';
import { rulesForServiceDay } from './fare_rules.ts';
import type { CompleteLeg, Leg } from './legs.ts';
import { msPerMinute, serviceDayOf, type ServiceDay } from './service_day.ts';

interface JourneyBase {
  /** The id of the journey's first tap: stable as later taps arrive. */
  readonly id: string;
  readonly serviceDay: ServiceDay;
  /** The version of the fare rules in force on the journey's service day. */
  readonly rules: FareRules;
}

export interface CompleteJourney extends JourneyBase {
  readonly status: 'complete';
  readonly legs: readonly [CompleteLeg, ...CompleteLeg[]];
}

export type IrregularLeg = Exclude<Leg, CompleteLeg>;

export interface IrregularJourney extends JourneyBase {
  readonly status: IrregularLeg['status'];
  readonly legs: readonly [IrregularLeg];
}

export type Journey = CompleteJourney | IrregularJourney;
export type JourneyStatus = Journey['status'];

export function groupJourneys(legs: readonly Leg[], schedule: FareSchedule): Journey[] {
  const journeys: Journey[] = [];
  let current: CompleteJourney | undefined;
  for (const leg of legs) {
    if (leg.status === 'complete' && current !== undefined && continues(current, leg, schedule)) {
      current = extend(current, leg);
      continue;
    }
    if (current !== undefined) journeys.push(current);
    current = undefined;
    if (leg.status === 'complete') {
      current = { status: 'complete', legs: [leg], ...identify(leg.tapIn.id, leg.tapIn.atMs, schedule) };
    } else {
      const first = leg.tapIn ?? leg.tapOut;
      journeys.push({ status: leg.status, legs: [leg], ...identify(first.id, first.atMs, schedule) });
    }
  }
  if (current !== undefined) journeys.push(current);
  return journeys;
}

function extend(journey: CompleteJourney, leg: CompleteLeg): CompleteJourney {
  return {
    status: 'complete',
    id: journey.id,
    serviceDay: journey.serviceDay,
    rules: journey.rules,
    legs: [...journey.legs, leg],
  };
}

function identify(id: string, atMs: number, schedule: FareSchedule): JourneyBase {
  const serviceDay = serviceDayOf(atMs, schedule.serviceDay);
  return { id, serviceDay, rules: rulesForServiceDay(schedule, serviceDay) };
}

function continues(journey: CompleteJourney, leg: CompleteLeg, schedule: FareSchedule): boolean {
  const origin = journey.legs[0].tapIn;
  const lastExit = journey.legs[journey.legs.length - 1]?.tapOut ?? origin;
  const withinWindow = leg.tapIn.atMs - lastExit.atMs <= journey.rules.transferWindowMinutes * msPerMinute;
  const withinTime = leg.tapOut.atMs - origin.atMs <= journey.rules.maxJourneyMinutes * msPerMinute;
  const sameDay = serviceDayOf(leg.tapIn.atMs, schedule.serviceDay) === journey.serviceDay;
  const notReturning = leg.tapOut.stationId !== origin.stationId;
  return withinWindow && withinTime && sameDay && notReturning;
}
