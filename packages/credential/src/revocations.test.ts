import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RevocationSet, revokedAtOf } from './revocations.ts';

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

test('revocations - a revocation applies from its time on; one without a time applies always', () => {
  const set = new RevocationSet();
  set.add('replaced', 1_000);
  set.add('unknown-time');
  assert.equal(set.isRevoked('replaced', 999), false, 'a presentation made before the revocation stands');
  assert.equal(set.isRevoked('replaced', 1_000), true);
  assert.equal(set.isRevoked('replaced'), true, 'without a time: revoked');
  assert.equal(set.isRevoked('unknown-time', 0), true);
});

test('revocations - the time is read from the status value identity writes', () => {
  assert.equal(
    revokedAtOf(JSON.stringify({ revokedAt: '2026-11-30T10:00:00.000Z', by: 'replaced' })),
    Date.parse('2026-11-30T10:00:00.000Z'),
  );
  for (const value of ['1', 'not json', '{}', JSON.stringify({ revokedAt: 'yesterday' })]) {
    assert.equal(revokedAtOf(value), Number.NEGATIVE_INFINITY, value);
  }
});
