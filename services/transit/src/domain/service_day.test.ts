import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkServiceDayRule,
  mondayOf,
  parseServiceDate,
  serviceDateText,
  serviceDayOf,
  type ServiceDayRule,
} from './service_day.ts';
import { refusal } from './testing/fixtures.ts';

const startAt0430 = 4 * 60 + 30;
const fixed = (utcOffsetMinutes: number): ServiceDayRule => ({
  timeZone: { kind: 'fixed_offset', utcOffsetMinutes },
  startMinuteOfDay: startAt0430,
});
const berlin: ServiceDayRule = { timeZone: { kind: 'iana', name: 'Europe/Berlin' }, startMinuteOfDay: startAt0430 };
const ruleRefusal = (rule: ServiceDayRule): string =>
  refusal(() => {
    checkServiceDayRule(rule);
  });
const dateOf = (iso: string, rule: ServiceDayRule): string => serviceDateText(serviceDayOf(Date.parse(iso), rule));

test('fares - a 01:00 tap belongs to the previous service day; 04:30 sharp starts the new one', () => {
  assert.equal(dateOf('2025-03-04T01:00:00Z', fixed(0)), '2025-03-03');
  assert.equal(dateOf('2025-03-04T04:29:59.999Z', fixed(0)), '2025-03-03');
  assert.equal(dateOf('2025-03-04T04:30:00Z', fixed(0)), '2025-03-04');
  assert.equal(dateOf('2025-03-04T03:29:59.999Z', fixed(60)), '2025-03-03', '04:29:59 local at UTC+01:00');
  assert.equal(dateOf('2025-03-04T03:30:00Z', fixed(60)), '2025-03-04', '04:30 local at UTC+01:00');
  assert.equal(dateOf('2025-03-04T09:00:00Z', fixed(-300)), '2025-03-03', '04:00 local at UTC-05:00');
});

test('fares - an IANA zone follows daylight saving time: 04:30 local is 03:30Z in winter and 02:30Z in summer', () => {
  assert.equal(dateOf('2025-03-29T03:29:00Z', berlin), '2025-03-28');
  assert.equal(dateOf('2025-03-29T03:30:00Z', berlin), '2025-03-29');
  // 2025-03-30: clocks go from 02:00 to 03:00 local; 04:30 CEST is 02:30Z.
  assert.equal(dateOf('2025-03-30T02:29:00Z', berlin), '2025-03-29');
  assert.equal(dateOf('2025-03-30T02:30:00Z', berlin), '2025-03-30');
  assert.equal(dateOf('2025-03-31T02:30:00Z', berlin), '2025-03-31');
});

test('fares - calendar weeks start on Monday', () => {
  const monday = parseServiceDate('2025-03-03', 'date');
  for (let offset = 0; offset < 7; offset += 1) assert.equal(serviceDateText(mondayOf(monday + offset)), '2025-03-03');
  assert.equal(serviceDateText(mondayOf(monday + 7)), '2025-03-10');
  assert.equal(serviceDateText(mondayOf(parseServiceDate('1970-01-01', 'date'))), '1969-12-29');
});

test('fares - malformed service dates, day starts and time zones are refused', () => {
  assert.equal(
    refusal(() => parseServiceDate('2025-02-30', 'date')),
    'invalid_argument:SERVICE_DATE_INVALID',
  );
  assert.equal(
    refusal(() => parseServiceDate('2025-3-1', 'date')),
    'invalid_argument:SERVICE_DATE_INVALID',
  );
  for (const outOfRange of ['0000-01-01', '1969-12-31', '3000-01-01'])
    assert.equal(
      refusal(() => parseServiceDate(outOfRange, 'date')),
      'invalid_argument:SERVICE_DATE_INVALID',
      outOfRange,
    );
  assert.equal(ruleRefusal({ ...berlin, startMinuteOfDay: 1440 }), 'invalid_argument:SERVICE_DAY_START_INVALID');
  assert.equal(ruleRefusal({ ...berlin, startMinuteOfDay: 4.5 }), 'invalid_argument:SERVICE_DAY_START_INVALID');
  assert.equal(ruleRefusal({ ...berlin, startMinuteOfDay: 1439 }), 'ok');
  assert.equal(
    ruleRefusal({ ...berlin, timeZone: { kind: 'iana', name: 'Mars/Olympus' } }),
    'invalid_argument:TIME_ZONE_INVALID',
  );
  assert.equal(ruleRefusal(fixed(15 * 60)), 'invalid_argument:TIME_ZONE_INVALID');
  assert.equal(ruleRefusal(fixed(14 * 60)), 'ok');
});
