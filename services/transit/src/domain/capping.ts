// Applies the daily and weekly caps in journey order: each journey is charged its fare or whatever is left under
// the tighter of the two caps, whichever is less. Charging greedily in time order keeps every service day under
// its daily cap and every weekly window (calendar or rolling: the last charge in any window saw all earlier ones)
// under the weekly cap. Pure: works on a copy of the day totals.
import assert from 'node:assert/strict';
import { chargedWithin, dailyCapWindow, weeklyCapWindow } from './cap_window.ts';
import type { ConcessionClass } from './concession.ts';
import type { PricedJourney } from './journey_fare.ts';
import { atLeastZero, minorUnits, smallerOf, type MinorUnits } from './money.ts';
import type { ServiceDay } from './service_day.ts';

export type CapReason = 'none' | 'daily_cap' | 'weekly_cap';

export interface CappedJourney extends PricedJourney {
  readonly chargedMinor: MinorUnits;
  /** What the caps took off the fare: fareMinor - chargedMinor. */
  readonly cappedMinor: MinorUnits;
  readonly capReason: CapReason;
}

export interface CapResult {
  readonly journeys: readonly CappedJourney[];
  /** Charged per service day, the opening totals included. */
  readonly dayTotals: ReadonlyMap<ServiceDay, bigint>;
}

export function applyCaps(
  priced: readonly PricedJourney[],
  concession: ConcessionClass,
  openingTotals: ReadonlyMap<ServiceDay, bigint>,
): CapResult {
  const dayTotals = new Map(openingTotals);
  const journeys = priced.map((item): CappedJourney => {
    const { serviceDay, rules } = item.journey;
    const cap = rules.caps[concession];
    const dailyLeft = atLeastZero(cap.dailyMinor - chargedWithin(dayTotals, dailyCapWindow(serviceDay)));
    const weeklyLeft = atLeastZero(
      cap.weeklyMinor - chargedWithin(dayTotals, weeklyCapWindow(serviceDay, rules.weeklyCapPeriod)),
    );
    const left = smallerOf(dailyLeft, weeklyLeft);
    const chargedMinor = minorUnits(smallerOf(item.fareMinor, left));
    const binding: CapReason = weeklyLeft < dailyLeft ? 'weekly_cap' : 'daily_cap';
    const capReason: CapReason = item.fareMinor > left ? binding : 'none';
    dayTotals.set(serviceDay, (dayTotals.get(serviceDay) ?? 0n) + chargedMinor);
    assert.ok(chargedMinor <= item.fareMinor, 'a charge never exceeds its fare');
    return { ...item, chargedMinor, cappedMinor: minorUnits(item.fareMinor - chargedMinor), capReason };
  });
  return { journeys, dayTotals };
}
