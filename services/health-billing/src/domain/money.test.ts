import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amountProblem, atLeastZero, maxAmountMinor } from './money.ts';

test('money - an amount is a bigint from 0 to 10^12 minor units', () => {
  const reasonOf = (value: unknown): string => amountProblem(value, 'fee')?.reason ?? 'ok';
  assert.deepEqual([0n, maxAmountMinor, maxAmountMinor + 1n, -1n, 100, '100', undefined].map(reasonOf), [
    'ok',
    'ok',
    'AMOUNT_TOO_LARGE',
    'AMOUNT_INVALID',
    'AMOUNT_INVALID',
    'AMOUNT_INVALID',
    'AMOUNT_INVALID',
  ]);
  assert.equal(amountProblem(-1n, 'versions[0].deductibleMinor')?.field, 'versions[0].deductibleMinor');
  assert.deepEqual([atLeastZero(-5n), atLeastZero(0n), atLeastZero(7n)], [0n, 0n, 7n]);
});
