import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decimalText, knownCurrencyExponent } from './money.ts';

test('money - minor units as exact decimals with the currency exponent, negative ones too', () => {
  assert.equal(decimalText(1250n, 'EUR'), '12.50');
  assert.equal(decimalText(5n, 'EUR'), '0.05');
  assert.equal(decimalText(-5n, 'EUR'), '-0.05');
  assert.equal(decimalText(0n, 'EUR'), '0.00');
  assert.equal(decimalText(-123456789012345678n, 'EUR'), '-1234567890123456.78');
  assert.equal(decimalText(1250n, 'JPY'), '1250');
  assert.equal(decimalText(1250n, 'BHD'), '1.250');
  assert.throws(() => decimalText(1n, 'XXX'), /no ISO 4217 exponent/);
  assert.equal(knownCurrencyExponent('XXX'), undefined);
});
