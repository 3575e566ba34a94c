import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminScopesOfRoles, isOperatorRole, operatorRoles } from './operator_roles.ts';
import { operatorScopes } from './scopes.ts';

test('operator roles - admin holds every admin scope; the auditor the wallet and transit; the others one each; unknown roles nothing', () => {
  assert.deepEqual([...adminScopesOfRoles(['admin'])].sort(), Object.values(operatorScopes).sort());
  assert.deepEqual([...adminScopesOfRoles(['onboarder'])], [operatorScopes.identity]);
  assert.deepEqual([...adminScopesOfRoles(['support'])], [operatorScopes.identity]);
  assert.deepEqual([...adminScopesOfRoles(['finance'])], [operatorScopes.wallet]);
  assert.deepEqual([...adminScopesOfRoles(['auditor'])], [operatorScopes.wallet, operatorScopes.transit]);
  assert.deepEqual(
    [...adminScopesOfRoles(['support', 'finance'])].sort(),
    [operatorScopes.identity, operatorScopes.wallet].sort(),
  );
  assert.deepEqual([...adminScopesOfRoles(['root', ''])], []);
  assert.equal(operatorRoles.every(isOperatorRole), true);
  assert.equal(isOperatorRole('Admin'), false);
});
