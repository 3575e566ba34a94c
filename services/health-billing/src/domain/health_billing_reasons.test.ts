import assert from 'node:assert/strict';
import { test } from 'node:test';
import { healthBillingReasons } from './health_billing_reasons.ts';

test('reasons - each is UPPER_SNAKE and keyed by itself, ready to become a proto enum value', () => {
  for (const [key, value] of Object.entries(healthBillingReasons)) {
    assert.equal(key, value);
    assert.match(value, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
  }
});
