import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adjustmentsSince, chargedJourneys, type Adjustment } from './adjustments.ts';
import { sampleNetwork, sampleSchedule } from './sample_city.ts';
import { computeStatement } from './statement.ts';
import { inTimeOrder, type Tap } from './tap.ts';
import { local, refusal, statementOf, taps, trip } from './testing/fixtures.ts';

const day = '2025-03-04';
const brief = (adjustments: readonly Adjustment[]): [string, string, bigint][] =>
  adjustments.map((adjustment) => [adjustment.kind, adjustment.journeyId, adjustment.amountMinor]);
const tap = (id: string, direction: Tap['direction'], stationId: string, at: string): Tap => ({
  id,
  direction,
  stationId,
  atMs: local(at),
});

test('fares - an incomplete journey is charged the maximum fare and a late tap-out refunds the difference', () => {
  const entry = tap('a', 'in', 'central', `${day} 08:00`);
  const first = statementOf([entry], `${day} 10:30`);
  assert.deepEqual(brief(adjustmentsSince([], first)), [['charge', 'a', 800n]]);
  const settled = chargedJourneys(first);
  assert.deepEqual(settled, [{ journeyId: 'a', serviceDate: day, chargedMinor: 800n }]);

  // The exit gate was offline; its tap arrives at 11:00 stamped 08:25.
  const corrected = statementOf(inTimeOrder([entry, tap('b', 'out', 'harbour', `${day} 08:25`)]), `${day} 11:00`);
  const refund = adjustmentsSince(settled, corrected);
  assert.deepEqual(refund, [
    {
      journeyId: 'a',
      serviceDate: day,
      kind: 'refund',
      amountMinor: 510n,
      currency: 'EUR',
      previousMinor: 800n,
      chargedMinor: 290n,
    },
  ]);
  assert.deepEqual(adjustmentsSince(chargedJourneys(corrected), corrected), [], 'settling twice changes nothing');
});

test('fares - an unmatched exit later joined by its tap-in is refunded in full and the whole journey charged', () => {
  const exit = tap('x', 'out', 'airport', `${day} 09:00`);
  const first = statementOf([exit], `${day} 09:05`);
  const settled = chargedJourneys(first);
  assert.deepEqual(
    settled.map((item) => [item.journeyId, item.chargedMinor]),
    [['x', 800n]],
  );
  const second = statementOf(inTimeOrder([exit, tap('a', 'in', 'central', `${day} 08:20`)]), `${day} 12:00`);
  assert.deepEqual(brief(adjustmentsSince(settled, second)), [
    ['refund', 'x', 800n],
    ['charge', 'a', 480n],
  ]);
});

test('fares - a late journey earlier in a capped day moves the cap: refunds balance the new charge', () => {
  const later = taps([
    ...trip('central', 'airport', day, '09:00', '09:40'),
    ...trip('airport', 'central', day, '17:00', '17:40'),
  ]);
  const before = statementOf(later, `${day} 18:00`);
  assert.deepEqual(
    before.journeys.map((journey) => journey.chargedMinor),
    [480n, 420n],
  );
  const early = taps(trip('central', 'harbour', day, '06:00', '06:15'), 'e');
  const after = statementOf(inTimeOrder([...early, ...later]), `${day} 18:00`);
  assert.deepEqual(
    after.journeys.map((journey) => journey.chargedMinor),
    [290n, 480n, 130n],
  );
  assert.deepEqual(brief(adjustmentsSince(chargedJourneys(before), after)), [
    ['refund', 't3', 290n],
    ['charge', 'e1', 290n],
  ]);
});

test('fares - charges from before the statement are left alone; malformed records of past charges are refused', () => {
  const statement = statementOf(taps(trip('central', 'harbour', day, '08:00', '08:15')), `${day} 12:00`);
  const yesterday = { journeyId: 'old', serviceDate: '2025-03-03', chargedMinor: 290n };
  assert.deepEqual(brief(adjustmentsSince([yesterday], statement)), [['charge', 't1', 290n]]);
  const gone = { journeyId: 'gone', serviceDate: day, chargedMinor: 100n };
  assert.deepEqual(brief(adjustmentsSince([gone], statement)), [
    ['refund', 'gone', 100n],
    ['charge', 't1', 290n],
  ]);
  assert.equal(
    refusal(() => adjustmentsSince([yesterday, yesterday], statement)),
    'invalid_argument:CHARGED_JOURNEY_DUPLICATE',
  );
  assert.equal(
    refusal(() => adjustmentsSince([{ ...yesterday, chargedMinor: -1n }], statement)),
    'invalid_argument:CHARGED_AMOUNT_INVALID',
  );
  assert.equal(
    refusal(() => adjustmentsSince([{ ...yesterday, serviceDate: '3/3/25' }], statement)),
    'invalid_argument:SERVICE_DATE_INVALID',
  );
});

test('fares - opening day totals let a history cut short still respect the weekly cap', () => {
  const saturday = taps(trip('central', 'airport', '2025-03-08', '10:00', '10:40'));
  const weekdays = ['2025-03-03', '2025-03-04', '2025-03-05', '2025-03-06'].map((serviceDate) => ({
    serviceDate,
    chargedMinor: 900n,
  }));
  const input = {
    schedule: sampleSchedule,
    network: sampleNetwork,
    concession: 'adult' as const,
    taps: saturday,
    asOfMs: local('2025-03-08 12:00'),
  };
  const statement = computeStatement({ ...input, openingDayTotals: weekdays });
  assert.deepEqual(
    statement.journeys.map((journey) => [journey.chargedMinor, journey.capReason]),
    [[480n, 'none']],
  );
  const fullWeek = computeStatement({
    ...input,
    openingDayTotals: [...weekdays, { serviceDate: '2025-03-07', chargedMinor: 800n }],
  });
  assert.deepEqual(
    fullWeek.journeys.map((journey) => [journey.chargedMinor, journey.capReason]),
    [[100n, 'weekly_cap']],
  );
  assert.equal(fullWeek.totalChargedMinor, 100n, 'opening totals are not charged again');
  const onSaturday = [{ serviceDate: '2025-03-08', chargedMinor: 1n }];
  assert.equal(
    refusal(() => computeStatement({ ...input, openingDayTotals: onSaturday })),
    'invalid_argument:OPENING_TOTAL_NOT_BEFORE_TAPS',
  );
  const twice = [...weekdays, ...weekdays.slice(0, 1)];
  assert.equal(
    refusal(() => computeStatement({ ...input, openingDayTotals: twice })),
    'invalid_argument:OPENING_TOTAL_DUPLICATE',
  );
  const negative = [{ serviceDate: '2025-03-03', chargedMinor: -1n }];
  assert.equal(
    refusal(() => computeStatement({ ...input, openingDayTotals: negative })),
    'invalid_argument:OPENING_TOTAL_INVALID',
  );
});
