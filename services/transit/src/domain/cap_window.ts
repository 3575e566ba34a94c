// Which service days share a weekly cap with a given day: its calendar week (Monday-Sunday) or the rolling
// seven days ending on it. Pure.
import type { WeeklyCapPeriod } from './fare_rules.ts';
import { mondayOf, type ServiceDay } from './service_day.ts';

export interface DayRange {
  readonly firstDay: ServiceDay;
  readonly lastDay: ServiceDay;
}

export function dailyCapWindow(day: ServiceDay): DayRange {
  return { firstDay: day, lastDay: day };
}

export function weeklyCapWindow(day: ServiceDay, period: WeeklyCapPeriod): DayRange {
  switch (period) {
    case 'calendar_week': {
      const monday = mondayOf(day);
      return { firstDay: monday, lastDay: monday + 6 };
    }
    case 'rolling_7_days':
      return { firstDay: day - 6, lastDay: day };
  }
}

export function chargedWithin(dayTotals: ReadonlyMap<ServiceDay, bigint>, range: DayRange): bigint {
  let total = 0n;
  for (let day = range.firstDay; day <= range.lastDay; day += 1) total += dayTotals.get(day) ?? 0n;
  return total;
}
