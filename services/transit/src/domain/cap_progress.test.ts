import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capProgress } from './cap_progress.ts';
import { sampleSchedule } from './sample_city.ts';
import { scheduleWith, statementOf, taps, trip } from './testing/fixtures.ts';

const history = taps([
  ...trip('central', 'harbour', '2025-03-03', '08:00', '08:15'),
  ...trip('harbour', 'central', '2025-03-03', '18:00', '18:15'),
  ...trip('central', 'airport', '2025-03-04', '08:00', '08:40'),
]);

test("fares - cap progress shows what is used and left of today's cap and this calendar week's cap", () => {
  const progress = capProgress(statementOf(history, '2025-03-04 12:00'), sampleSchedule);
  assert.deepEqual(progress, {
    serviceDate: '2025-03-04',
    currency: 'EUR',
    concession: 'adult',
    daily: { capMinor: 900n, chargedMinor: 480n, remainingMinor: 420n },
    weekly: {
      capMinor: 4_500n,
      chargedMinor: 1_060n,
      remainingMinor: 3_440n,
      period: 'calendar_week',
      firstServiceDate: '2025-03-03',
      lastServiceDate: '2025-03-09',
    },
  });
  // Before 04:30 on Wednesday it is still Tuesday's service day.
  assert.equal(capProgress(statementOf(history, '2025-03-05 04:29'), sampleSchedule).daily.chargedMinor, 480n);
  assert.equal(capProgress(statementOf(history, '2025-03-05 04:30'), sampleSchedule).daily.chargedMinor, 0n);
});

test('fares - cap progress under a rolling week covers the service day and the six before it', () => {
  const schedule = scheduleWith({ weeklyCapPeriod: 'rolling_7_days' });
  const progress = capProgress(statementOf(history, '2025-03-09 12:00', { schedule }), schedule);
  assert.deepEqual(progress.weekly, {
    capMinor: 4_500n,
    chargedMinor: 1_060n,
    remainingMinor: 3_440n,
    period: 'rolling_7_days',
    firstServiceDate: '2025-03-03',
    lastServiceDate: '2025-03-09',
  });
  const nextWeek = capProgress(statementOf(history, '2025-03-10 12:00', { schedule }), schedule);
  assert.equal(nextWeek.weekly.chargedMinor, 480n, 'Monday 03-03 has left the rolling window');
});
