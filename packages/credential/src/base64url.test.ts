import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBase64Url, encodeBase64Url, isCanonicalBase64Url } from './base64url.ts';

test('base64url - round trips bytes of every length remainder', () => {
  for (const length of [0, 1, 2, 3, 4, 31, 32, 33]) {
    const bytes = Buffer.from(Array.from({ length }, (_, index) => (index * 37 + 250) % 256));
    assert.deepEqual(decodeBase64Url(encodeBase64Url(bytes)), bytes);
  }
});

test('base64url - encodes text as UTF-8 without padding', () => {
  assert.equal(encodeBase64Url('{"alg":"ES256"}'), 'eyJhbGciOiJFUzI1NiJ9');
  assert.equal(encodeBase64Url('\u00ff\u00fe'), 'w7_Dvg');
});

test('base64url - rejects padding, standard alphabet, whitespace and impossible lengths', () => {
  for (const text of ['YQ==', 'a+b/', 'YW Jj', 'YWJj\n', 'Y', 'YWJjZ', '%%%%']) {
    assert.equal(isCanonicalBase64Url(text), false, text);
    assert.equal(decodeBase64Url(text), undefined, text);
  }
});

test('base64url - rejects non-canonical trailing bits', () => {
  assert.equal(decodeBase64Url('YQ')?.toString(), 'a');
  assert.equal(decodeBase64Url('YR'), undefined);
  assert.equal(decodeBase64Url('YWI')?.toString(), 'ab');
  assert.equal(decodeBase64Url('YWJ'), undefined);
});
