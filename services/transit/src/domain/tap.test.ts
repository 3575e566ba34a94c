import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleNetwork } from './sample_city.ts';
import { allowedClockSkewMs, checkTaps, inTimeOrder, maxTapsPerComputation, type Tap } from './tap.ts';
import { local, refusal, statementOf, taps } from './testing/fixtures.ts';

const now = local('2025-03-03 12:00');
const check = (list: readonly Tap[], asOfMs = now): string =>
  refusal(() => {
    checkTaps(list, sampleNetwork, asOfMs);
  });
const base = taps([
  ['in', 'central', '2025-03-03 08:00'],
  ['out', 'market', '2025-03-03 08:20'],
]);
const [entry, exit] = base;
assert.ok(entry !== undefined && exit !== undefined);

test('fares - taps at unknown stations, with bad ids, directions or times are refused', () => {
  assert.equal(check(base), 'ok');
  assert.equal(check([{ ...entry, stationId: 'atlantis' }]), 'invalid_argument:TAP_STATION_UNKNOWN');
  assert.equal(check([{ ...entry, id: '' }]), 'invalid_argument:TAP_ID_INVALID');
  assert.equal(check([entry, { ...exit, id: entry.id }]), 'invalid_argument:TAP_DUPLICATE');
  assert.equal(
    check([{ ...entry, direction: 'sideways' as Tap['direction'] }]),
    'invalid_argument:TAP_DIRECTION_INVALID',
  );
  assert.equal(check([{ ...entry, atMs: 1.5e12 + 0.5 }]), 'invalid_argument:TAP_TIME_INVALID');
  assert.equal(check([{ ...entry, atMs: 0 }]), 'invalid_argument:TAP_TIME_INVALID');
  assert.equal(check(base, Number.NaN), 'invalid_argument:AS_OF_INVALID');
});

test('fares - taps out of order, or at the same instant, are refused; inTimeOrder puts late uploads in place', () => {
  assert.equal(check([exit, entry]), 'invalid_argument:TAPS_OUT_OF_ORDER');
  assert.equal(check([entry, { ...exit, atMs: entry.atMs }]), 'invalid_argument:TAPS_OUT_OF_ORDER');
  assert.equal(check([entry, { ...exit, atMs: entry.atMs + 1 }]), 'ok');
  assert.deepEqual(inTimeOrder([exit, entry]), [entry, exit]);
});

test('fares - taps later than now plus the allowed clock skew are refused, up to the skew they are accepted', () => {
  const atSkew = { ...exit, atMs: now + allowedClockSkewMs };
  assert.equal(check([entry, atSkew]), 'ok');
  assert.equal(check([entry, { ...atSkew, atMs: atSkew.atMs + 1 }]), 'invalid_argument:TAP_IN_FUTURE');
});

test('fares - too many taps in one computation are refused', () => {
  const many = Array.from(
    { length: maxTapsPerComputation + 1 },
    (_, index): Tap => ({ ...entry, id: `t${index}`, atMs: entry.atMs + index }),
  );
  assert.equal(check(many, entry.atMs + many.length), 'invalid_argument:TOO_MANY_TAPS');
  assert.equal(check(many.slice(1), entry.atMs + many.length), 'ok');
});

test('fares - an unknown concession class or taps before any fare rules are refused by the engine', () => {
  const concession = 'pensioner' as 'adult';
  assert.equal(
    refusal(() => statementOf(base, '2025-03-03 12:00', { concession })),
    'invalid_argument:CONCESSION_UNKNOWN',
  );
  const early = taps([['in', 'central', '2024-12-31 08:00']]);
  assert.equal(
    refusal(() => statementOf(early, '2025-03-03 12:00')),
    'failed_precondition:FARE_RULES_NOT_EFFECTIVE',
  );
});
