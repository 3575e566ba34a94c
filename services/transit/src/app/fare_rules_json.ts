// Fare rules on the wire (proto, int64 minor units) and stored (the same message as canonical JSON), both to and
// from the domain's FareRules. Validation is the domain's (createFareSchedule); here only the shape is checked.
import { FareRules as FareRulesMessage, type ConcessionAmounts } from '@citypass/proto/transit/v1/transit';
import { invalidArgument } from '@citypass/platform/errors';
import { concessionClasses, type ByConcession } from '../domain/concession.ts';
import type { FareRules, WeeklyCapPeriod } from '../domain/fare_rules.ts';
import { transitReasons } from '@citypass/contracts';

/** The stored form is the wire message's canonical JSON (int64 amounts as decimal strings). */
export function fareRulesToJson(rules: FareRules): unknown {
  return FareRulesMessage.toJSON(fareRulesToProto(rules));
}

export function fareRulesFromJson(json: unknown): FareRules {
  const message = FareRulesMessage.fromJSON(json);
  return fareRulesFromProto(message, message.version);
}

export function fareRulesToProto(rules: FareRules): FareRulesMessage {
  return {
    version: rules.version,
    effectiveFrom: rules.effectiveFrom,
    zoneFares: rules.zoneFares.map((fare) => ({
      fromZone: fare.fromZone,
      toZone: fare.toZone,
      fare: amountsToProto(fare.fareMinor),
    })),
    transferWindowMinutes: rules.transferWindowMinutes,
    maxJourneyMinutes: rules.maxJourneyMinutes,
    dailyCap: amountsToProto(byClass((concession) => rules.caps[concession].dailyMinor)),
    weeklyCap: amountsToProto(byClass((concession) => rules.caps[concession].weeklyMinor)),
    weeklyCapPeriod: rules.weeklyCapPeriod,
    maxFare: amountsToProto(rules.maxFareMinor),
    unmatchedExitFare: amountsToProto(rules.unmatchedExitFareMinor),
  };
}

/** The operator's proposed rules, numbered `version`; the domain checks the amounts when they join the schedule. */
export function fareRulesFromProto(message: FareRulesMessage | undefined, version: number): FareRules {
  if (message === undefined) throw invalidArgument(transitReasons.FARE_RULES_MISSING, 'rules are required');
  const period = message.weeklyCapPeriod;
  if (period !== 'calendar_week' && period !== 'rolling_7_days') {
    throw invalidArgument(
      transitReasons.WEEKLY_CAP_PERIOD_INVALID,
      'weekly_cap_period is calendar_week or rolling_7_days',
    );
  }
  const daily = amountsFromProto(message.dailyCap, 'daily_cap');
  const weekly = amountsFromProto(message.weeklyCap, 'weekly_cap');
  return {
    version,
    effectiveFrom: message.effectiveFrom,
    zoneFares: message.zoneFares.map((fare) => ({
      fromZone: fare.fromZone,
      toZone: fare.toZone,
      fareMinor: amountsFromProto(fare.fare, 'zone_fares.fare'),
    })),
    transferWindowMinutes: message.transferWindowMinutes,
    maxJourneyMinutes: message.maxJourneyMinutes,
    caps: byClass((concession) => ({ dailyMinor: daily[concession], weeklyMinor: weekly[concession] })),
    weeklyCapPeriod: period satisfies WeeklyCapPeriod,
    maxFareMinor: amountsFromProto(message.maxFare, 'max_fare'),
    unmatchedExitFareMinor: amountsFromProto(message.unmatchedExitFare, 'unmatched_exit_fare'),
  };
}

function byClass<T>(value: (concession: (typeof concessionClasses)[number]) => T): ByConcession<T> {
  return { adult: value('adult'), child: value('child'), senior: value('senior'), student: value('student') };
}

function amountsToProto(amounts: ByConcession<bigint>): ConcessionAmounts {
  return {
    adultMinor: amounts.adult,
    childMinor: amounts.child,
    seniorMinor: amounts.senior,
    studentMinor: amounts.student,
  };
}

function amountsFromProto(amounts: ConcessionAmounts | undefined, field: string): ByConcession<bigint> {
  if (amounts === undefined) throw invalidArgument(transitReasons.FARE_AMOUNTS_MISSING, `${field} is required`);
  return {
    adult: amounts.adultMinor,
    child: amounts.childMinor,
    senior: amounts.seniorMinor,
    student: amounts.studentMinor,
  };
}
