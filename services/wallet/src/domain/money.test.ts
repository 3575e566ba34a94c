import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '@citypass/platform/errors';
import { maxAmountMinor, positiveMoney } from './money.ts';

const supported = new Set(['EUR']);
const reasonOf = (amount: bigint, currency: string): string | undefined => {
  try {
    positiveMoney(amount, currency, supported);
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.reason : 'not a DomainError';
  }
};

test('money - positive amounts up to the maximum in a supported currency are accepted', () => {
  assert.equal(reasonOf(1n, 'EUR'), undefined);
  assert.equal(reasonOf(maxAmountMinor, 'EUR'), undefined);
});

test('money - zero, negative, huge amounts and unknown or malformed currencies are refused', () => {
  assert.equal(reasonOf(0n, 'EUR'), 'AMOUNT_NOT_POSITIVE');
  assert.equal(reasonOf(-5n, 'EUR'), 'AMOUNT_NOT_POSITIVE');
  assert.equal(reasonOf(maxAmountMinor + 1n, 'EUR'), 'AMOUNT_TOO_LARGE');
  assert.equal(reasonOf(100n, 'USD'), 'CURRENCY_UNSUPPORTED');
  assert.equal(reasonOf(100n, 'eur'), 'CURRENCY_INVALID');
  assert.equal(reasonOf(100n, ''), 'CURRENCY_INVALID');
});
