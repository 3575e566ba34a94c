import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleFareRules } from './sample_city.ts';
import { parseServiceDate, serviceDateText } from './service_day.ts';
import type { Statement } from './statement.ts';
import { scheduleWith, statementOf, taps, trip, type TapSpec } from './testing/fixtures.ts';

const dateAfter = (first: string, offset: number): string => serviceDateText(parseServiceDate(first, 'date') + offset);
const dates = (first: string, count: number): string[] =>
  Array.from({ length: count }, (_, offset) => dateAfter(first, offset));
const chargedByDay = (statement: Statement): Map<string, bigint> =>
  new Map(statement.dayTotals.map((total) => [total.serviceDate, total.chargedMinor]));
/** Zone 1 to zone 3 (480 adult) `count` times on a date, far enough apart never to join. */
const farTrips = (date: string, count: number): TapSpec[] =>
  ['07:00', '09:00', '17:00', '19:00'].slice(0, count).flatMap((start, index) => {
    const end = start.replace(':00', ':40');
    return index % 2 === 0
      ? trip('central', 'airport', date, start, end)
      : trip('airport', 'central', date, start, end);
  });

test('fares - TfL-style caps (daily = weekly / 5): no day above the daily cap, the calendar week at most the weekly cap', () => {
  const [monday, tuesday, wednesday, thursday, friday, saturday, sunday, nextMonday] = [0, 1, 2, 3, 4, 5, 6, 7].map(
    (offset) => dateAfter('2025-03-03', offset),
  ) as [string, string, string, string, string, string, string, string];
  const specs = [
    ...trip('central', 'harbour', monday, '08:00', '08:15'),
    ...trip('harbour', 'central', monday, '18:00', '18:15'),
    ...[tuesday, wednesday, thursday, friday].flatMap((date) => farTrips(date, 4)),
    ...farTrips(saturday, 1),
    ...farTrips(sunday, 1),
    ...trip('central', 'harbour', nextMonday, '08:00', '08:15'),
  ];
  const statement = statementOf(taps(specs), `${nextMonday} 12:00`);
  const table: [string, bigint][] = [
    [monday, 580n],
    [tuesday, 900n],
    [wednesday, 900n],
    [thursday, 900n],
    [friday, 900n],
    [saturday, 320n],
    [sunday, 0n],
    [nextMonday, 290n],
  ];
  assert.deepEqual([...chargedByDay(statement)], table);
  const tuesdayCharges = statement.journeys.filter((journey) => journey.serviceDate === tuesday);
  assert.deepEqual(
    tuesdayCharges.map((journey) => [journey.chargedMinor, journey.capReason]),
    [
      [480n, 'none'],
      [420n, 'daily_cap'],
      [0n, 'daily_cap'],
      [0n, 'daily_cap'],
    ],
  );
  const weekend = statement.journeys.filter(
    (journey) => journey.serviceDate === saturday || journey.serviceDate === sunday,
  );
  assert.deepEqual(
    weekend.map((journey) => [journey.fareMinor, journey.chargedMinor, journey.capReason]),
    [
      [480n, 320n, 'weekly_cap'],
      [480n, 0n, 'weekly_cap'],
    ],
  );
  const week = table.slice(0, 7).reduce((sum, [, charged]) => sum + charged, 0n);
  assert.equal(week, 4_500n);
  assert.equal(statement.totalChargedMinor, 4_790n);
});

test('fares - OMNY-style rolling 7-day cap: every 7 consecutive service days stay under it, unlike a calendar week', () => {
  const caps = { dailyMinor: 3_400n, weeklyMinor: 3_400n };
  const days = dates('2025-03-05', 14);
  const specs = days.flatMap((date) => [
    ...trip('central', 'harbour', date, '08:00', '08:15'),
    ...trip('harbour', 'central', date, '18:00', '18:15'),
  ]);
  const perDay = (period: 'rolling_7_days' | 'calendar_week'): bigint[] => {
    const schedule = scheduleWith({ weeklyCapPeriod: period, caps: { ...sampleFareRules.caps, adult: caps } });
    const charged = chargedByDay(statementOf(taps(specs), '2025-03-18 23:00', { schedule }));
    return days.map((date) => charged.get(date) ?? 0n);
  };
  const rolling = perDay('rolling_7_days');
  assert.deepEqual(rolling, [580n, 580n, 580n, 580n, 580n, 500n, 0n, 580n, 580n, 580n, 580n, 580n, 500n, 0n]);
  for (let first = 0; first + 7 <= rolling.length; first += 1) {
    assert.ok(
      rolling.slice(first, first + 7).reduce((sum, value) => sum + value, 0n) <= 3_400n,
      `window from day ${first}`,
    );
  }
  // The calendar week starts again on Monday 03-10 (day 6), so days 6 and 7 are charged in full there.
  assert.deepEqual(perDay('calendar_week'), [
    580n,
    580n,
    580n,
    580n,
    580n,
    580n,
    580n,
    580n,
    580n,
    580n,
    500n,
    0n,
    580n,
    580n,
  ]);
});

test('fares - concessions: children travel free, seniors pay half, and each class has its own caps', () => {
  const specs = taps(farTrips('2025-03-04', 3));
  const of = (concession: 'adult' | 'child' | 'senior' | 'student'): [bigint, bigint, string][] =>
    statementOf(specs, '2025-03-04 23:00', { concession }).journeys.map((journey) => [
      journey.fareMinor,
      journey.chargedMinor,
      journey.capReason,
    ]);
  assert.deepEqual(of('child'), [
    [0n, 0n, 'none'],
    [0n, 0n, 'none'],
    [0n, 0n, 'none'],
  ]);
  assert.deepEqual(of('senior'), [
    [240n, 240n, 'none'],
    [240n, 210n, 'daily_cap'],
    [240n, 0n, 'daily_cap'],
  ]);
  assert.deepEqual(
    of('adult').map(([fare]) => fare / 2n),
    of('senior').map(([fare]) => fare),
  );
  assert.deepEqual(
    of('student').map(([, charged]) => charged),
    [336n, 294n, 0n],
  );
});
