import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fareHoldReference, stepIdOfFareReference } from './fare_reference.ts';

const stepId = '00000000-0000-4000-8000-000000000001';

test('fare reference - the reference of a fare hold leads back to its settlement step, and nothing else does', () => {
  assert.equal(stepIdOfFareReference(fareHoldReference(stepId, 2)), stepId);
  for (const other of [
    '',
    'fare',
    `fare:${stepId}`,
    `fare:${stepId}:0`,
    `fare:${stepId}:1:x`,
    `refund:${stepId}:1`,
    'fare:x:1',
  ])
    assert.equal(stepIdOfFareReference(other), undefined, other);
});
