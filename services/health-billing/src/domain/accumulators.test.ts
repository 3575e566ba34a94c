import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyContributions,
  checkAccumulators,
  emptyAccumulators,
  reverseContributions,
  type Accumulators,
  type Contribution,
} from './accumulators.ts';
import { minorUnits } from './money.ts';
import { accumulators, refusal } from './testing/fixtures.ts';

const contribution = (changes: Partial<Contribution> = {}): Contribution => ({
  planYear: 2025,
  category: 'imaging',
  deductibleMinor: minorUnits(80_000n),
  outOfPocketMinor: minorUnits(93_000n),
  visits: 1,
  planPaidMinor: minorUnits(52_000n),
  ...changes,
});

test('accumulators - applying contributions adds them; reversing subtracts exactly the same', () => {
  const before = accumulators({ deductibleMetMinor: 20_000n, outOfPocketMetMinor: 45_000n });
  const lab = contribution({
    category: 'lab',
    deductibleMinor: minorUnits(0n),
    outOfPocketMinor: minorUnits(2_600n),
    planPaidMinor: minorUnits(10_400n),
  });
  const after = applyContributions(before, [contribution(), lab]);
  assert.equal(after.deductibleMetMinor, 100_000n);
  assert.equal(after.outOfPocketMetMinor, 140_600n);
  assert.deepEqual(
    [after.visitsByCategory.imaging, after.visitsByCategory.lab, after.visitsByCategory.gp_visit],
    [1, 1, 0],
  );
  assert.deepEqual([after.planPaidByCategoryMinor.imaging, after.planPaidByCategoryMinor.lab], [52_000n, 10_400n]);
  assert.deepEqual(reverseContributions(after, [lab]), applyContributions(before, [contribution()]));
  assert.deepEqual(reverseContributions(after, [lab, contribution()]), before);
  assert.deepEqual(before, accumulators({ deductibleMetMinor: 20_000n, outOfPocketMetMinor: 45_000n }), 'not modified');
});

test('accumulators - a reversal of what was never added, or of another plan year, is refused', () => {
  const before = emptyAccumulators(2025);
  assert.equal(
    refusal(() => reverseContributions(before, [contribution()])),
    'failed_precondition:CONTRIBUTION_EXCEEDS_ACCUMULATOR',
  );
  const once = applyContributions(before, [contribution()]);
  assert.equal(
    refusal(() => reverseContributions(once, [contribution(), contribution()])),
    'failed_precondition:CONTRIBUTION_EXCEEDS_ACCUMULATOR',
  );
  assert.equal(
    refusal(() => applyContributions(before, [contribution({ planYear: 2026 })])),
    'failed_precondition:PLAN_YEAR_MISMATCH',
  );
});

test('accumulators - negative, fractional or missing values are refused', () => {
  const check = (changes: Partial<Record<keyof Accumulators, unknown>>): string =>
    refusal(() => {
      checkAccumulators({ ...emptyAccumulators(2025), ...changes } as Accumulators);
    });
  const empty = emptyAccumulators(2025);
  assert.equal(check({}), 'ok');
  assert.equal(check({ planYear: 25 }), 'invalid_argument:ACCUMULATORS_INVALID');
  assert.equal(check({ deductibleMetMinor: -1n }), 'invalid_argument:ACCUMULATORS_INVALID');
  assert.equal(check({ outOfPocketMetMinor: 10 }), 'invalid_argument:ACCUMULATORS_INVALID');
  assert.equal(
    check({ visitsByCategory: { ...empty.visitsByCategory, lab: 1.5 } }),
    'invalid_argument:ACCUMULATORS_INVALID',
  );
  const { lab: _lab, ...withoutLab } = empty.planPaidByCategoryMinor;
  assert.equal(check({ planPaidByCategoryMinor: withoutLab }), 'invalid_argument:ACCUMULATORS_INVALID');
  assert.equal(check({ visitsByCategory: undefined }), 'invalid_argument:ACCUMULATORS_INVALID');
  assert.equal(
    refusal(() => emptyAccumulators(1800)),
    'invalid_argument:ACCUMULATORS_INVALID',
  );
});
