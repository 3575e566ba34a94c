import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RevocationSet } from './revocations.ts';

test('revocations - add, remove and list revoked credential ids', () => {
  const set = new RevocationSet(['a']);
  set.add('b');
  set.add('b');
  assert.equal(set.isRevoked('a'), true);
  assert.equal(set.isRevoked('b'), true);
  assert.equal(set.size, 2);
  set.remove('a');
  set.remove('never-added');
  assert.equal(set.isRevoked('a'), false);
  assert.deepEqual([...set.ids()], ['b']);
});
