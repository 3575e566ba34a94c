import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAmountMinor } from './amount_input.ts';

test('amount input - decimals up to the currency exponent become exact minor units', () => {
  assert.equal(parseAmountMinor('12.50', 'EUR'), 1250n);
  assert.equal(parseAmountMinor('12.5', 'EUR'), 1250n);
  assert.equal(parseAmountMinor(' 3 ', 'EUR'), 300n);
  assert.equal(parseAmountMinor('0.01', 'EUR'), 1n);
  assert.equal(parseAmountMinor('500', 'JPY'), 500n);
  assert.equal(parseAmountMinor('999999999999999.99', 'EUR'), 99999999999999999n);
});

test('amount input - anything else is not an amount', () => {
  for (const text of ['', '1.234', '1,50', '-1', '1e3', '.5', '1.', 'abc', '5.0', '1234567890123456'])
    assert.equal(parseAmountMinor(text, text === '5.0' ? 'JPY' : 'EUR'), undefined, text);
});
