import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refusal } from '../domain/testing/fixtures.ts';
import { amountMinor } from './amount.ts';

test('gtfs amounts - decimal major units become exact integer minor units', () => {
  assert.equal(amountMinor('2.90', 'EUR', 'f:2'), 290n);
  assert.equal(amountMinor('2.9', 'EUR', 'f:2'), 290n);
  assert.equal(amountMinor('0', 'USD', 'f:2'), 0n);
  assert.equal(amountMinor('0.05', 'GBP', 'f:2'), 5n);
  assert.equal(amountMinor('100', 'JPY', 'f:2'), 100n);
  assert.equal(amountMinor('999999999999999.99', 'EUR', 'f:2'), 99_999_999_999_999_999n);
});

test('gtfs amounts - more decimal places than the currency has, or anything but a plain decimal, is refused', () => {
  const invalid = [
    '2.905',
    '2.900',
    'abc',
    '',
    '-1.00',
    '+1.00',
    '1e3',
    '1.',
    '.5',
    '01.00',
    ' 2.90',
    '2,90',
    '1000000000000000',
  ];
  for (const text of invalid)
    assert.equal(
      refusal(() => amountMinor(text, 'EUR', 'f:2')),
      'invalid_argument:GTFS_AMOUNT_INVALID',
      text,
    );
  assert.equal(
    refusal(() => amountMinor('100.5', 'JPY', 'f:2')),
    'invalid_argument:GTFS_AMOUNT_INVALID',
  );
  assert.equal(
    refusal(() => amountMinor('100.0', 'JPY', 'f:2')),
    'invalid_argument:GTFS_AMOUNT_INVALID',
  );
  assert.throws(() => amountMinor('2.905', 'EUR', 'fare_products.txt:7'), {
    message: /^fare_products\.txt:7: amount "2\.905"/,
  });
});

test('gtfs amounts - a currency without a known exponent is refused', () => {
  assert.equal(
    refusal(() => amountMinor('1.00', 'XXX', 'f:2')),
    'invalid_argument:GTFS_CURRENCY_UNSUPPORTED',
  );
  assert.equal(
    refusal(() => amountMinor('1.00', 'eur', 'f:2')),
    'invalid_argument:GTFS_CURRENCY_UNSUPPORTED',
  );
});

test('gtfs amounts - a long value quoted in a refusal is cut, so messages stay short', () => {
  assert.throws(
    () => amountMinor('9'.repeat(100_000), 'EUR', 'fare_products.txt:2'),
    (error: Error) => error.message.length <= 300,
  );
});
