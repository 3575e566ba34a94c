import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPlanYear, isServiceDate, planYearOf } from './dates.ts';

test('dates - a service date is a real calendar date written YYYY-MM-DD, years 1900-2999', () => {
  for (const date of ['2025-01-01', '2024-02-29', '2000-02-29', '1900-01-01', '2999-12-31', '2025-04-30'])
    assert.ok(isServiceDate(date), date);
  for (const date of ['2025-02-29', '1900-02-29', '2025-04-31', '2025-13-01', '2025-00-10', '2025-01-00', '1899-12-31'])
    assert.ok(!isServiceDate(date), date);
  for (const value of [
    '2025-1-01',
    '2025/01/01',
    '20250101',
    '2025-01-01T00:00',
    ' 2025-01-01',
    '2025-0a-01',
    20250101,
    null,
  ])
    assert.ok(!isServiceDate(value), String(value));
});

test('dates - the plan year is the calendar year of the service date', () => {
  assert.equal(planYearOf('2025-01-01'), 2025);
  assert.equal(planYearOf('2025-12-31'), 2025);
  assert.equal(planYearOf('2026-01-01'), 2026);
  assert.ok(isPlanYear(2025) && !isPlanYear(2025.5) && !isPlanYear(1899) && !isPlanYear(3000));
});

test('dates - service dates sort as strings in calendar order', () => {
  const dates = ['2025-10-01', '2025-03-01', '2024-12-31', '2025-09-30', '2025-02-28'];
  assert.deepEqual([...dates].sort(), ['2024-12-31', '2025-02-28', '2025-03-01', '2025-09-30', '2025-10-01']);
});
