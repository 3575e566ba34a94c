import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDomainError } from '@citypass/platform/errors';
import { operatorAccountId, operatorUsernameOf, validateOperatorRoles, validateOperatorUsername } from './operator.ts';

const reasonOf = (action: () => unknown): string => {
  try {
    action();
  } catch (error) {
    if (isDomainError(error)) return error.reason;
  }
  return 'none';
};

test('operator - usernames: 2-32 of [a-z0-9._-] starting with a letter', () => {
  assert.equal(validateOperatorUsername('ab'), 'ab');
  assert.equal(validateOperatorUsername(`a${'b'.repeat(31)}`).length, 32);
  assert.equal(validateOperatorUsername('jane.doe-2'), 'jane.doe-2');
  for (const bad of ['a', `a${'b'.repeat(32)}`, '1abc', 'Jane', 'ja ne', 'jane@x', ''])
    assert.equal(
      reasonOf(() => validateOperatorUsername(bad)),
      'OPERATOR_USERNAME_INVALID',
      bad,
    );
});

test('operator - roles: at least one known role, each once', () => {
  assert.deepEqual(validateOperatorRoles(['admin']), ['admin']);
  assert.deepEqual(validateOperatorRoles(['support', 'finance']), ['support', 'finance']);
  for (const bad of [[], ['root'], ['admin', 'admin'], ['admin', 'root']])
    assert.equal(
      reasonOf(() => validateOperatorRoles(bad)),
      'OPERATOR_ROLES_INVALID',
      bad.join(),
    );
});

test('operator - account ids: operator:<username>, and residents are not operators', () => {
  assert.equal(operatorAccountId('jane'), 'operator:jane');
  assert.equal(operatorUsernameOf('operator:jane'), 'jane');
  assert.equal(operatorUsernameOf('5f0c2a1e-4a51-4d3c-9a53-0a0d2f2a1b11'), undefined);
});
