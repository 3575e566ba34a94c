import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDomainError } from '@citypass/platform/errors';
import { pageToken, readPageToken } from './paging.ts';

const anyKey = (key: string): boolean => key.length > 0;
const reasonOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return isDomainError(error) ? `${error.kind}:${error.reason}` : 'not a DomainError';
  }
  return 'accepted';
};

test('page token - read back with the same list and search; none is the first page', () => {
  const token = pageToken('residents', 'love', '5b8f6a58-8f1c-4f43-9b0e-7d8c3c1a2b4d');
  assert.match(token, /^[\w-]+$/);
  assert.equal(readPageToken('residents', 'love', token, anyKey), '5b8f6a58-8f1c-4f43-9b0e-7d8c3c1a2b4d');
  assert.equal(readPageToken('residents', 'love', '', anyKey), undefined);
});

test('page token - another search, another list, a bad key or garbage is PAGE_TOKEN_INVALID', () => {
  const token = pageToken('residents', 'love', 'abc');
  assert.equal(
    reasonOf(() => readPageToken('residents', 'lov', token, anyKey)),
    'invalid_argument:PAGE_TOKEN_INVALID',
  );
  assert.equal(
    reasonOf(() => readPageToken('services', 'love', token, anyKey)),
    'invalid_argument:PAGE_TOKEN_INVALID',
  );
  assert.equal(
    reasonOf(() => readPageToken('residents', 'love', token, (key) => key === 'abd')),
    'invalid_argument:PAGE_TOKEN_INVALID',
  );
  for (const garbage of ['!!', 'AAAA', pageToken('residents', 'love', '').slice(0, 8)])
    assert.equal(
      reasonOf(() => readPageToken('residents', 'love', garbage, anyKey)),
      'invalid_argument:PAGE_TOKEN_INVALID',
    );
});
