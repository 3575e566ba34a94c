import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CredentialCache, type VerifiedCredential } from './credential_cache.ts';

const entry = (expiresAtMs: number) => ({ expiresAtMs }) as VerifiedCredential;

test('credential cache - evicts the least recently used entry when full', () => {
  const cache = new CredentialCache(2);
  cache.set('a', entry(100));
  cache.set('b', entry(100));
  assert.ok(cache.get('a', 0));
  cache.set('c', entry(100));
  assert.ok(cache.get('a', 0));
  assert.equal(cache.get('b', 0), undefined);
  assert.ok(cache.get('c', 0));
  assert.equal(cache.size, 2);
});

test('credential cache - an expired entry is dropped when touched', () => {
  const cache = new CredentialCache(2);
  cache.set('a', entry(100));
  assert.ok(cache.get('a', 99));
  assert.equal(cache.get('a', 100), undefined);
  assert.equal(cache.size, 0);
});

test('credential cache - size 0 stores nothing', () => {
  const cache = new CredentialCache(0);
  cache.set('a', entry(100));
  assert.equal(cache.get('a', 0), undefined);
});
