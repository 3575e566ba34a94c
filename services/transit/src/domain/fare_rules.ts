// Fare rules: the operator's policy, versioned and effective from a service date. All amounts are integer minor
// units of the schedule's currency. Types only, plus picking the version in force on a service day. Pure.
import { failedPrecondition } from '@citypass/platform/errors';
import type { ByConcession } from './concession.ts';
import { parseServiceDate, serviceDateText, type ServiceDay, type ServiceDayRule } from './service_day.ts';
import { transitReasons } from '@citypass/contracts';

/** The fare between two zones, in either direction. */
export interface ZoneFare {
  readonly fromZone: number;
  readonly toZone: number;
  readonly fareMinor: ByConcession<bigint>;
}

export interface CapRule {
  readonly dailyMinor: bigint;
  readonly weeklyMinor: bigint;
}

/** A calendar week runs Monday to Sunday (TfL); a rolling week is the service day and the six before it (OMNY). */
export type WeeklyCapPeriod = 'calendar_week' | 'rolling_7_days';

export interface FareRules {
  /** Positive, strictly increasing within a schedule. */
  readonly version: number;
  /** The first service day (YYYY-MM-DD, local) this version prices. */
  readonly effectiveFrom: string;
  readonly zoneFares: readonly ZoneFare[];
  /** A tap-in at most this long after the previous tap-out continues that journey (inclusive). */
  readonly transferWindowMinutes: number;
  /** From first tap-in to last tap-out; a journey longer than this is charged the maximum fare. */
  readonly maxJourneyMinutes: number;
  readonly caps: ByConcession<CapRule>;
  readonly weeklyCapPeriod: WeeklyCapPeriod;
  /** Charged for a tap-in without a tap-out, and for a journey over the time limit. */
  readonly maxFareMinor: ByConcession<bigint>;
  /** Charged for a tap-out without a tap-in. */
  readonly unmatchedExitFareMinor: ByConcession<bigint>;
}

export interface FareScheduleInput {
  /** ISO 4217; one currency for every version. */
  readonly currency: string;
  /** Shared by every version, so a tap's service day never depends on which version prices it. */
  readonly serviceDay: ServiceDayRule;
  /** Ascending by version and by effectiveFrom. */
  readonly versions: readonly FareRules[];
}

/** A schedule that passed createFareSchedule for a given network. */
export type FareSchedule = FareScheduleInput & { readonly __brand: 'FareSchedule' };

export function rulesForServiceDay(schedule: FareSchedule, day: ServiceDay): FareRules {
  let found: FareRules | undefined;
  for (const rules of schedule.versions) {
    if (parseServiceDate(rules.effectiveFrom, 'effectiveFrom') <= day) found = rules;
  }
  if (found === undefined) {
    throw failedPrecondition(
      transitReasons.FARE_RULES_NOT_EFFECTIVE,
      `no fare rules are in force on service day ${serviceDateText(day)}`,
    );
  }
  return found;
}
