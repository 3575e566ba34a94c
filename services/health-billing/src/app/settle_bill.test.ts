import assert from 'node:assert/strict';
import { test } from 'node:test';
import { walletReasons } from '@citypass/contracts';
import { DomainError } from '@citypass/platform/errors';
import { commonReasons } from '@citypass/platform/reasons';
import { isRetryable } from './settle_bill.ts';

test('settle bill - an overloaded wallet or a passed deadline leaves the bill for the sweeper; a decline is final', () => {
  const overloaded = new DomainError('resource_exhausted', walletReasons.WALLET_OVERLOADED, 'overloaded');
  const late = new DomainError('deadline_exceeded', commonReasons.DEADLINE_EXCEEDED, 'no answer in time');
  const declined = new DomainError('failed_precondition', walletReasons.INSUFFICIENT_FUNDS, 'no funds');
  assert.deepEqual([overloaded, late, declined].map(isRetryable), [true, true, false]);
});
