import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adjudicateBill } from './adjudicate.ts';
import { coinsuranceOf, costShare, type CostShareInput } from './cost_share.ts';
import { adjustmentsOf, billInput, lines, planWith, sharesOf } from './testing/fixtures.ts';

const share = (changes: Partial<CostShareInput>): [bigint, bigint, bigint] => {
  const result = costShare({
    allowedMinor: 10_000n,
    copayMinor: 0n,
    deductibleApplies: false,
    deductibleLeftMinor: 0n,
    coinsuranceBasisPoints: 0,
    outOfPocketLeftMinor: 1_000_000n,
    ...changes,
  });
  return [result.copayMinor, result.deductibleMinor, result.coinsuranceMinor];
};

test('cost share - coinsurance rounds the member share half up to the minor unit', () => {
  assert.equal(coinsuranceOf(1n, 4_999), 0n, '0.4999 rounds down');
  assert.equal(coinsuranceOf(1n, 5_000), 1n, '0.5 rounds up');
  assert.equal(coinsuranceOf(10n, 2_500), 3n, '2.5 rounds up');
  assert.equal(coinsuranceOf(9n, 2_500), 2n, '2.25 rounds down');
  assert.equal(coinsuranceOf(11n, 2_500), 3n, '2.75 rounds up');
  assert.equal(coinsuranceOf(0n, 10_000), 0n);
  assert.equal(coinsuranceOf(12_345n, 10_000), 12_345n, '100 % is the whole amount');
  assert.equal(coinsuranceOf(12_345n, 0), 0n);
  assert.equal(coinsuranceOf(1n, 9_999), 1n, 'never more than the amount');
});

test('cost share - copay first, the deductible on the rest if it applies, coinsurance on what is left', () => {
  const base = { copayMinor: 2_000n, deductibleLeftMinor: 5_000n, coinsuranceBasisPoints: 2_000 };
  assert.deepEqual(share({ ...base, deductibleApplies: true }), [2_000n, 5_000n, 600n]);
  assert.deepEqual(share({ ...base, deductibleApplies: false }), [2_000n, 0n, 1_600n]);
  assert.deepEqual(
    share({ ...base, copayMinor: 12_000n, deductibleApplies: true }),
    [10_000n, 0n, 0n],
    'copay at most allowed',
  );
  assert.deepEqual(share({ ...base, deductibleLeftMinor: 20_000n, deductibleApplies: true }), [2_000n, 8_000n, 0n]);
});

test('cost share - the out-of-pocket room cuts copay, then deductible, then coinsurance', () => {
  const base = {
    copayMinor: 2_000n,
    deductibleApplies: true,
    deductibleLeftMinor: 5_000n,
    coinsuranceBasisPoints: 2_000,
  };
  assert.deepEqual(share({ ...base, outOfPocketLeftMinor: 7_600n }), [2_000n, 5_000n, 600n], 'exactly enough room');
  assert.deepEqual(share({ ...base, outOfPocketLeftMinor: 7_599n }), [2_000n, 5_000n, 599n]);
  assert.deepEqual(share({ ...base, outOfPocketLeftMinor: 3_000n }), [2_000n, 1_000n, 0n]);
  assert.deepEqual(share({ ...base, outOfPocketLeftMinor: 1_500n }), [1_500n, 0n, 0n]);
  assert.deepEqual(share({ ...base, outOfPocketLeftMinor: 0n }), [0n, 0n, 0n], 'met: the member pays nothing more');
});

// A plan where lab coinsurance is 25 % and lab skips the deductible. A full blood count (LB-402, fee 25.00) billed
// 13.10: 25 % of 1,310 cents is 327.5, the member pays 3.28 and the plan 9.82; billed 13.09: 327.25, member 3.27,
// plan 9.82; billed 13.11: 327.75, member 3.28, plan 9.83.
test('cost share - a worked line: 25 % of 13.10 is 3.275, the member pays 3.28 and the plan 9.82', () => {
  const plan = planWith((version) => {
    const lab = version.categories.lab;
    assert.ok(lab !== undefined);
    return {
      ...version,
      categories: { ...version.categories, lab: { ...lab, coinsuranceBasisPoints: 2_500, deductibleApplies: false } },
    };
  });
  const bill = adjudicateBill(
    billInput(
      lines([
        ['LB-402', 1_310n],
        ['LB-402', 1_309n],
        ['LB-402', 1_311n],
      ]),
      { plan },
    ),
  );
  assert.deepEqual(bill.lines.map(adjustmentsOf), [['PR-2 3.28'], ['PR-2 3.27'], ['PR-2 3.28']]);
  assert.deepEqual(bill.lines.map(sharesOf), [
    'billed 13.10 = clinic 0.00 + patient 3.28 + plan 9.82',
    'billed 13.09 = clinic 0.00 + patient 3.27 + plan 9.82',
    'billed 13.11 = clinic 0.00 + patient 3.28 + plan 9.83',
  ]);
});
