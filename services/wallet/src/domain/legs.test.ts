import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '@citypass/platform/errors';
import { legs } from './legs.ts';
import { maxAmountMinor } from './money.ts';

const reasonOf = (resident: bigint, payer: bigint): string | undefined => {
  try {
    legs(resident, payer);
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.reason : 'not a DomainError';
  }
};

test('legs - either leg may be 0 while the other moves something; each up to the maximum', () => {
  assert.deepEqual(legs(0n, 1n), { residentMinor: 0n, payerMinor: 1n });
  assert.deepEqual(legs(1n, 0n), { residentMinor: 1n, payerMinor: 0n });
  assert.deepEqual(legs(maxAmountMinor, maxAmountMinor), { residentMinor: maxAmountMinor, payerMinor: maxAmountMinor });
});

test('legs - nothing on both, a negative or a too large leg are refused', () => {
  assert.equal(reasonOf(0n, 0n), 'AMOUNT_NOT_POSITIVE');
  assert.equal(reasonOf(-1n, 5n), 'AMOUNT_NOT_POSITIVE');
  assert.equal(reasonOf(5n, -1n), 'AMOUNT_NOT_POSITIVE');
  assert.equal(reasonOf(maxAmountMinor + 1n, 0n), 'AMOUNT_TOO_LARGE');
  assert.equal(reasonOf(1n, maxAmountMinor + 1n), 'AMOUNT_TOO_LARGE');
});
