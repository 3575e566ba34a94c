import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minorUnits } from './money.ts';
import {
  adjustmentTotal,
  claimAdjustmentDescriptions,
  claimAdjustmentReasons,
  type Adjustment,
} from './reason_codes.ts';

test('reason codes - every CARC the engine gives has a description', () => {
  for (const reason of Object.values(claimAdjustmentReasons)) assert.ok(claimAdjustmentDescriptions[reason].length > 0);
});

test('reason codes - totals by group and by reason', () => {
  const adjustments: Adjustment[] = [
    { group: 'CO', reason: 45, amountMinor: minorUnits(4_000n) },
    { group: 'PR', reason: 3, amountMinor: minorUnits(6_000n) },
    { group: 'PR', reason: 2, amountMinor: minorUnits(2_600n) },
  ];
  assert.equal(adjustmentTotal(adjustments, 'CO'), 4_000n);
  assert.equal(adjustmentTotal(adjustments, 'PR'), 8_600n);
  assert.equal(adjustmentTotal(adjustments, 'PR', claimAdjustmentReasons.coinsurance), 2_600n);
  assert.equal(adjustmentTotal(adjustments, 'CO', claimAdjustmentReasons.preauthorizationAbsent), 0n);
});
