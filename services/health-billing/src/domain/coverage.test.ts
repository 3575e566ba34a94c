import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCoverage, coversDate, type Coverage } from './coverage.ts';
import { refusal } from './testing/fixtures.ts';

const coverage: Coverage = { memberId: 'member-1', concession: 'adult', startsOn: '2025-02-01', endsOn: '2025-11-30' };
const check = (changes: Partial<Record<keyof Coverage, unknown>>): string =>
  refusal(() => {
    checkCoverage({ ...coverage, ...changes } as Coverage);
  });

test('coverage - the service dates from startsOn to endsOn, both included, are covered', () => {
  assert.deepEqual(
    ['2025-01-31', '2025-02-01', '2025-11-30', '2025-12-01'].map((date) => coversDate(coverage, date)),
    [false, true, true, false],
  );
  const { endsOn: _endsOn, ...open } = coverage;
  assert.ok(coversDate(open, '2099-12-31'));
});

test('coverage - a bad member id, concession or date range is refused', () => {
  assert.equal(check({}), 'ok');
  assert.equal(check({ memberId: '' }), 'invalid_argument:COVERAGE_INVALID');
  assert.equal(check({ concession: 'veteran' }), 'invalid_argument:CONCESSION_UNKNOWN');
  assert.equal(check({ startsOn: '2025-02-30' }), 'invalid_argument:COVERAGE_INVALID');
  assert.equal(check({ endsOn: '2025-01-31' }), 'invalid_argument:COVERAGE_INVALID');
  assert.equal(check({ endsOn: '2025-02-01' }), 'ok', 'one day of coverage');
});
