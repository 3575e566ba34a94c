// How close a resident is to today's and this week's cap, for the resident app. Pure: "today" is the service day
// of the statement's asOfMs.
import { chargedWithin, weeklyCapWindow } from './cap_window.ts';
import type { ConcessionClass } from './concession.ts';
import { rulesForServiceDay, type FareSchedule, type WeeklyCapPeriod } from './fare_rules.ts';
import { atLeastZero, minorUnits, type MinorUnits } from './money.ts';
import { parseServiceDate, serviceDateText, serviceDayOf, type ServiceDay } from './service_day.ts';
import type { Statement } from './statement.ts';

export interface CapUsage {
  readonly capMinor: MinorUnits;
  readonly chargedMinor: MinorUnits;
  readonly remainingMinor: MinorUnits;
}

export interface WeeklyCapUsage extends CapUsage {
  readonly period: WeeklyCapPeriod;
  readonly firstServiceDate: string;
  readonly lastServiceDate: string;
}

export interface CapProgress {
  readonly serviceDate: string;
  readonly currency: string;
  readonly concession: ConcessionClass;
  readonly daily: CapUsage;
  readonly weekly: WeeklyCapUsage;
}

export function capProgress(statement: Statement, schedule: FareSchedule): CapProgress {
  const today = serviceDayOf(statement.asOfMs, schedule.serviceDay);
  const rules = rulesForServiceDay(schedule, today);
  const cap = rules.caps[statement.concession];
  const totals = new Map<ServiceDay, bigint>(
    statement.dayTotals.map((total) => [parseServiceDate(total.serviceDate, 'serviceDate'), total.chargedMinor]),
  );
  const window = weeklyCapWindow(today, rules.weeklyCapPeriod);
  return {
    serviceDate: serviceDateText(today),
    currency: statement.currency,
    concession: statement.concession,
    daily: usage(cap.dailyMinor, totals.get(today) ?? 0n),
    weekly: {
      ...usage(cap.weeklyMinor, chargedWithin(totals, window)),
      period: rules.weeklyCapPeriod,
      firstServiceDate: serviceDateText(window.firstDay),
      lastServiceDate: serviceDateText(window.lastDay),
    },
  };
}

function usage(capMinor: bigint, chargedMinor: bigint): CapUsage {
  return {
    capMinor: minorUnits(capMinor),
    chargedMinor: minorUnits(chargedMinor),
    remainingMinor: atLeastZero(capMinor - chargedMinor),
  };
}
