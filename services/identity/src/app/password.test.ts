import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '@citypass/platform/errors';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './password.ts';

test('password - argon2id hashes verify the right password only', async () => {
  const phc = await hashPassword('correct horse battery');
  assert.match(phc, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await verifyPassword('correct horse battery', phc), true);
  assert.equal(await verifyPassword('correct horse batterY', phc), false);
  assert.notEqual(await hashPassword('correct horse battery'), phc, 'salted');
});

test('password - malformed stored hashes never verify', async () => {
  assert.equal(await verifyPassword('x', 'plain'), false);
  assert.equal(await verifyPassword('x', '$argon2i$v=19$m=8,t=1,p=1$AAAA$AAAA'), false);
});

test('password - policy bounds the length', () => {
  assert.equal(checkPasswordPolicy('a'.repeat(10)), 'a'.repeat(10));
  for (const bad of ['a'.repeat(9), 'a'.repeat(129)]) {
    assert.throws(
      () => checkPasswordPolicy(bad),
      (e: unknown) => e instanceof DomainError && e.reason === 'PASSWORD_POLICY',
    );
  }
});
