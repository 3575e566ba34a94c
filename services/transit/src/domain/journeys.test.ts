import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JourneyCharge } from './journey_charge.ts';
import type { Statement } from './statement.ts';
import { local, statementOf, taps, trip } from './testing/fixtures.ts';

/** [journey id, status, fare, charged, cap reason] per journey. */
const summary = (statement: Statement): [string, string, bigint, bigint, string][] =>
  statement.journeys.map((journey) => [
    journey.journeyId,
    journey.status,
    journey.fareMinor,
    journey.chargedMinor,
    journey.capReason,
  ]);
const day = '2025-03-04';
const journeyAt = (statement: Statement, index: number): JourneyCharge => {
  const journey = statement.journeys[index];
  assert.ok(journey !== undefined, `journey ${index}`);
  return journey;
};

test('fares - a tap-in exactly at the end of the transfer window continues the journey; 1 ms later it starts a new fare', () => {
  // Central (1) -> Riverside (1/2), then Riverside -> Airport (3): one journey Central -> Airport = 480,
  // not 290 + 300 = 590. The window is 30 minutes, inclusive.
  const specs = [
    ...trip('central', 'riverside', day, '08:00', '08:20'),
    ...trip('riverside', 'airport', day, '08:50', '09:10'),
  ];
  const joined = statementOf(taps(specs), `${day} 12:00`);
  assert.deepEqual(summary(joined), [['t1', 'complete', 480n, 480n, 'none']]);
  assert.deepEqual(journeyAt(joined, 0).tapIds, ['t1', 't2', 't3', 't4']);
  assert.equal(journeyAt(joined, 0).exitStationId, 'airport');

  const late = taps(specs).map((tap) => (tap.id === 't3' ? { ...tap, atMs: tap.atMs + 1 } : tap));
  assert.deepEqual(summary(statementOf(late, `${day} 12:00`)), [
    ['t1', 'complete', 290n, 290n, 'none'],
    ['t3', 'complete', 300n, 300n, 'none'],
  ]);
});

test('fares - a transfer never continues past the maximum journey time, across a service day, or back to the origin', () => {
  // Whole journey 08:00-10:01 > 120 minutes: two fares.
  const long = [
    ...trip('central', 'riverside', day, '08:00', '09:20'),
    ...trip('riverside', 'airport', day, '09:40', '10:01'),
  ];
  assert.deepEqual(
    summary(statementOf(taps(long), `${day} 12:00`)).map(([id]) => id),
    ['t1', 't3'],
  );
  // Exit 04:20, re-entry 04:35: a new service day starts at 04:30.
  const dawn = [
    ...trip('central', 'riverside', day, '04:00', '04:20'),
    ...trip('riverside', 'airport', day, '04:35', '04:50'),
  ];
  const dawnStatement = statementOf(taps(dawn), `${day} 12:00`);
  assert.deepEqual(
    dawnStatement.journeys.map((journey) => journey.serviceDate),
    ['2025-03-03', '2025-03-04'],
  );
  // Central -> Market and back within the window: a return trip is two journeys.
  const back = [
    ...trip('central', 'market', day, '08:00', '08:20'),
    ...trip('market', 'central', day, '08:30', '08:50'),
  ];
  assert.deepEqual(summary(statementOf(taps(back), `${day} 12:00`)), [
    ['t1', 'complete', 350n, 350n, 'none'],
    ['t3', 'complete', 350n, 350n, 'none'],
  ]);
  // Central -> Market, then Stadium -> Harbour: joined, but never below the dearest leg (350, not 1-1's 290).
  const loop = [
    ...trip('central', 'market', day, '08:00', '08:20'),
    ...trip('stadium', 'harbour', day, '08:30', '08:50'),
  ];
  assert.deepEqual(summary(statementOf(taps(loop), `${day} 12:00`)), [['t1', 'complete', 350n, 350n, 'none']]);
});

test('fares - two tap-ins in a row make the first an incomplete journey at the maximum fare', () => {
  const specs = taps([
    ['in', 'central', `${day} 08:00`],
    ['in', 'market', `${day} 08:05`],
    ['out', 'airport', `${day} 08:30`],
  ]);
  const statement = statementOf(specs, `${day} 08:31`);
  assert.deepEqual(summary(statement), [
    ['t1', 'no_tap_out', 800n, 800n, 'none'],
    ['t2', 'complete', 300n, 100n, 'daily_cap'],
  ]);
  assert.equal(journeyAt(statement, 0).fareReason, 'max_fare_no_tap_out');
  assert.equal(journeyAt(statement, 1).cappedMinor, 200n);
});

test('fares - a tap-out without a tap-in is charged the unmatched exit fare', () => {
  const statement = statementOf(taps([['out', 'airport', `${day} 09:00`]]), `${day} 09:01`);
  assert.deepEqual(summary(statement), [['t1', 'no_tap_in', 800n, 800n, 'none']]);
  assert.equal(journeyAt(statement, 0).fareReason, 'unmatched_exit_fare');
  assert.equal(journeyAt(statement, 0).entryStationId, null);
});

test('fares - a tap-out later than the maximum journey time is one journey at the maximum fare; at the limit it is a normal fare', () => {
  const overtime = statementOf(taps(trip('central', 'harbour', day, '08:00', '10:00:00.001')), `${day} 12:00`);
  assert.deepEqual(summary(overtime), [['t1', 'time_exceeded', 800n, 800n, 'none']]);
  assert.equal(journeyAt(overtime, 0).fareReason, 'max_fare_time_exceeded');
  const atLimit = statementOf(taps(trip('central', 'harbour', day, '08:00', '10:00')), `${day} 12:00`);
  assert.deepEqual(summary(atLimit), [['t1', 'complete', 290n, 290n, 'none']]);
});

test('fares - an entry without an exit is open and uncharged until its time limit passes or its service day ends', () => {
  const entry = taps([['in', 'central', `${day} 08:00`]]);
  assert.deepEqual(summary(statementOf(entry, `${day} 10:00`)), [['t1', 'open', 0n, 0n, 'none']]);
  assert.equal(statementOf(entry, `${day} 10:00`).totalChargedMinor, 0n);
  assert.deepEqual(summary(statementOf(entry, `${day} 10:00:00.001`)), [['t1', 'no_tap_out', 800n, 800n, 'none']]);
  // 04:00 belongs to the service day of 03-03, which ends at 04:30, well inside the 120 minute limit.
  const dawn = taps([['in', 'central', `${day} 04:00`]]);
  assert.equal(journeyAt(statementOf(dawn, `${day} 04:29`), 0).status, 'open');
  assert.equal(journeyAt(statementOf(dawn, `${day} 04:30`), 0).status, 'no_tap_out');
});

test('fares - a 01:00 tap counts towards the previous service day and its daily cap', () => {
  const specs = [
    ...trip('central', 'airport', '2025-03-03', '19:00', '19:40'),
    ...trip('airport', 'central', '2025-03-03', '23:10', '23:50'),
    ...trip('central', 'harbour', day, '01:00', '01:15'),
    ...trip('central', 'harbour', day, '04:30', '04:45'),
  ];
  const statement = statementOf(taps(specs), `${day} 12:00`);
  assert.deepEqual(
    statement.journeys.map((journey) => [journey.serviceDate, journey.chargedMinor, journey.capReason]),
    [
      ['2025-03-03', 480n, 'none'],
      ['2025-03-03', 420n, 'daily_cap'],
      ['2025-03-03', 0n, 'daily_cap'],
      ['2025-03-04', 290n, 'none'],
    ],
  );
  assert.equal(local(`${day} 01:00`), Date.parse('2025-03-04T00:00:00Z'));
});
