// Aurelia, a small sample city for tests and demos: 3 zones, 10 stations on 2 lines, fares in EUR cents.
// Adult caps follow TfL's shape (daily = weekly / 5); children travel free; seniors pay half.
import type { ByConcession } from './concession.ts';
import type { FareRules, ZoneFare } from './fare_rules.ts';
import { createFareSchedule } from './fare_schedule.ts';
import { createNetwork } from './network.ts';

export const sampleNetwork = createNetwork({
  stations: [
    { id: 'central', name: 'Central', zones: [1] },
    { id: 'harbour', name: 'Harbour', zones: [1] },
    { id: 'old-town', name: 'Old Town', zones: [1] },
    { id: 'university', name: 'University', zones: [1] },
    { id: 'riverside', name: 'Riverside', zones: [1, 2] },
    { id: 'market', name: 'Market', zones: [2] },
    { id: 'stadium', name: 'Stadium', zones: [2] },
    { id: 'hillcrest', name: 'Hillcrest', zones: [2, 3] },
    { id: 'airport', name: 'Airport', zones: [3] },
    { id: 'lakeside', name: 'Lakeside', zones: [3] },
  ],
  lines: [
    { id: 'red', name: 'Red line', stationIds: ['harbour', 'central', 'riverside', 'market', 'hillcrest', 'airport'] },
    { id: 'blue', name: 'Blue line', stationIds: ['old-town', 'central', 'university', 'stadium', 'lakeside'] },
  ],
});

/** Adult fare in cents; the other classes derive from it. */
const adultFares: readonly (readonly [number, number, bigint])[] = [
  [1, 1, 290n],
  [1, 2, 350n],
  [1, 3, 480n],
  [2, 2, 200n],
  [2, 3, 300n],
  [3, 3, 200n],
];

function byConcession(adult: bigint): ByConcession<bigint> {
  return { adult, child: 0n, senior: adult / 2n, student: (adult * 7n) / 10n };
}

const zoneFares: ZoneFare[] = adultFares.map(([fromZone, toZone, adult]) => ({
  fromZone,
  toZone,
  fareMinor: byConcession(adult),
}));

export const sampleFareRules: FareRules = {
  version: 1,
  effectiveFrom: '2025-01-01',
  zoneFares,
  transferWindowMinutes: 30,
  maxJourneyMinutes: 120,
  caps: {
    adult: { dailyMinor: 900n, weeklyMinor: 4_500n },
    child: { dailyMinor: 0n, weeklyMinor: 0n },
    senior: { dailyMinor: 450n, weeklyMinor: 2_250n },
    student: { dailyMinor: 630n, weeklyMinor: 3_150n },
  },
  weeklyCapPeriod: 'calendar_week',
  maxFareMinor: byConcession(800n),
  unmatchedExitFareMinor: byConcession(800n),
};

export const sampleSchedule = createFareSchedule(
  {
    currency: 'EUR',
    serviceDay: { timeZone: { kind: 'iana', name: 'Europe/Berlin' }, startMinuteOfDay: 4 * 60 + 30 },
    versions: [sampleFareRules],
  },
  sampleNetwork,
);
