import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FareRules } from './fare_rules.ts';
import { rulesForServiceDay } from './fare_rules.ts';
import { createFareSchedule } from './fare_schedule.ts';
import { sampleFareRules, sampleNetwork, sampleSchedule } from './sample_city.ts';
import { parseServiceDate } from './service_day.ts';
import { refusal } from './testing/fixtures.ts';

const withRules = (rules: FareRules): string =>
  refusal(() => createFareSchedule({ ...sampleSchedule, versions: [rules] }, sampleNetwork));
const fares = sampleFareRules.zoneFares;
const firstFare = fares[0];
assert.ok(firstFare !== undefined);

test('fares - rules with negative, missing or duplicate fares are refused', () => {
  const negative = [{ ...firstFare, fareMinor: { ...firstFare.fareMinor, senior: -1n } }, ...fares.slice(1)];
  assert.equal(withRules({ ...sampleFareRules, zoneFares: negative }), 'invalid_argument:FARE_NEGATIVE');
  assert.equal(withRules({ ...sampleFareRules, zoneFares: fares.slice(1) }), 'invalid_argument:FARE_MISSING');
  const { student: _student, ...withoutStudent } = firstFare.fareMinor;
  const missingClass = [{ ...firstFare, fareMinor: withoutStudent as FareRules['maxFareMinor'] }, ...fares.slice(1)];
  assert.equal(withRules({ ...sampleFareRules, zoneFares: missingClass }), 'invalid_argument:FARE_MISSING');
  const reversed = { ...firstFare, fromZone: firstFare.toZone, toZone: firstFare.fromZone };
  assert.equal(withRules({ ...sampleFareRules, zoneFares: [...fares, reversed] }), 'invalid_argument:FARE_DUPLICATE');
  const huge = [{ ...firstFare, fareMinor: { ...firstFare.fareMinor, adult: 100_000_001n } }, ...fares.slice(1)];
  assert.equal(withRules({ ...sampleFareRules, zoneFares: huge }), 'invalid_argument:FARE_TOO_LARGE');
  const zero = [{ ...firstFare, fareMinor: { ...firstFare.fareMinor, adult: 0n } }, ...fares.slice(1)];
  assert.equal(withRules({ ...sampleFareRules, zoneFares: zero }), 'ok');
});

test('fares - caps where daily is above weekly, or negative, are refused; daily equal to weekly is fine', () => {
  const caps = (adult: { dailyMinor: bigint; weeklyMinor: bigint }): FareRules => ({
    ...sampleFareRules,
    caps: { ...sampleFareRules.caps, adult },
  });
  assert.equal(withRules(caps({ dailyMinor: 901n, weeklyMinor: 900n })), 'invalid_argument:CAP_DAILY_ABOVE_WEEKLY');
  assert.equal(withRules(caps({ dailyMinor: 900n, weeklyMinor: 900n })), 'ok');
  assert.equal(withRules(caps({ dailyMinor: -1n, weeklyMinor: 900n })), 'invalid_argument:CAP_NEGATIVE');
  const { senior: _senior, ...noSenior } = sampleFareRules.caps;
  assert.equal(withRules({ ...sampleFareRules, caps: noSenior as FareRules['caps'] }), 'invalid_argument:CAP_MISSING');
});

test('fares - a maximum fare below a zone fare, bad durations and unknown periods are refused', () => {
  const maxFare = { ...sampleFareRules.maxFareMinor, adult: 479n };
  assert.equal(withRules({ ...sampleFareRules, maxFareMinor: maxFare }), 'invalid_argument:MAX_FARE_BELOW_FARE');
  assert.equal(withRules({ ...sampleFareRules, maxFareMinor: { ...maxFare, adult: 480n } }), 'ok');
  const unmatched = { ...sampleFareRules.unmatchedExitFareMinor, child: -5n };
  assert.equal(
    withRules({ ...sampleFareRules, unmatchedExitFareMinor: unmatched }),
    'invalid_argument:UNMATCHED_EXIT_FARE_NEGATIVE',
  );
  assert.equal(
    withRules({ ...sampleFareRules, transferWindowMinutes: 120 }),
    'invalid_argument:TRANSFER_WINDOW_INVALID',
  );
  assert.equal(
    withRules({ ...sampleFareRules, transferWindowMinutes: -1 }),
    'invalid_argument:TRANSFER_WINDOW_INVALID',
  );
  assert.equal(withRules({ ...sampleFareRules, transferWindowMinutes: 0 }), 'ok');
  assert.equal(withRules({ ...sampleFareRules, maxJourneyMinutes: 0 }), 'invalid_argument:MAX_JOURNEY_INVALID');
  const period = 'fortnight' as FareRules['weeklyCapPeriod'];
  assert.equal(
    withRules({ ...sampleFareRules, weeklyCapPeriod: period }),
    'invalid_argument:WEEKLY_CAP_PERIOD_INVALID',
  );
});

test('fares - a schedule needs a currency and versions that increase with their effective dates', () => {
  const version2: FareRules = { ...sampleFareRules, version: 2, effectiveFrom: '2025-06-01' };
  const make = (currency: string, versions: FareRules[]): string =>
    refusal(() => createFareSchedule({ ...sampleSchedule, currency, versions }, sampleNetwork));
  assert.equal(make('eur', [sampleFareRules]), 'invalid_argument:CURRENCY_INVALID');
  assert.equal(make('EUR', []), 'invalid_argument:FARE_RULES_COUNT_INVALID');
  assert.equal(make('EUR', [version2, sampleFareRules]), 'invalid_argument:FARE_RULES_ORDER_INVALID');
  assert.equal(
    make('EUR', [sampleFareRules, { ...version2, effectiveFrom: '2025-01-01' }]),
    'invalid_argument:FARE_RULES_ORDER_INVALID',
  );
  assert.equal(
    make('EUR', [sampleFareRules, { ...version2, effectiveFrom: '2025-06-31' }]),
    'invalid_argument:SERVICE_DATE_INVALID',
  );
  assert.equal(make('EUR', [sampleFareRules, version2]), 'ok');
});

test('fares - the version in force on a service day is the latest effective on or before it', () => {
  const version2: FareRules = { ...sampleFareRules, version: 2, effectiveFrom: '2025-06-01' };
  const schedule = createFareSchedule({ ...sampleSchedule, versions: [sampleFareRules, version2] }, sampleNetwork);
  const on = (date: string): number => rulesForServiceDay(schedule, parseServiceDate(date, 'date')).version;
  assert.equal(on('2025-01-01'), 1);
  assert.equal(on('2025-05-31'), 1);
  assert.equal(on('2025-06-01'), 2);
  assert.equal(
    refusal(() => on('2024-12-31')),
    'failed_precondition:FARE_RULES_NOT_EFFECTIVE',
  );
});
