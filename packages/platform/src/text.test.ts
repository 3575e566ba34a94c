import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from './errors.ts';
import { checkText } from './text.ts';

const reasonOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.reason : 'not a DomainError';
  }
};

test('text - bounded text without NUL passes; NUL, overlong and missing required text are refused', () => {
  assert.equal(checkText('café 42', 'reference', 7), 'café 42');
  assert.equal(
    reasonOf(() => checkText('a\u0000b', 'reference', 10)),
    'REFERENCE_INVALID',
  );
  assert.equal(
    reasonOf(() => checkText('abcdefgh', 'reference', 7)),
    'REFERENCE_INVALID',
  );
  assert.equal(
    reasonOf(() => checkText('', 'funding_reference', 7, { required: true })),
    'FUNDING_REFERENCE_INVALID',
  );
  assert.equal(
    reasonOf(() => checkText('', 'reference', 7)),
    undefined,
  );
});
