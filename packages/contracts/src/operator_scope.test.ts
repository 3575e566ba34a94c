import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDepartment, operatorAccessOf, scopeRefusal, unscoped } from './operator_scope.ts';

test('operator scope - each scoped dimension must match the owner; unowned dimensions refuse scoped operators', () => {
  const shop = { merchant: 'shop', department: '' } as const;
  const transit = { merchant: '', department: 'transit' } as const;
  assert.equal(scopeRefusal(unscoped, {}), undefined);
  assert.equal(scopeRefusal(unscoped, { merchant: 'shop', department: 'health' }), undefined);
  assert.equal(scopeRefusal(shop, { merchant: 'shop' }), undefined);
  assert.equal(scopeRefusal(shop, { merchant: 'parking' }), 'merchant');
  assert.equal(scopeRefusal(shop, {}), 'outside');
  assert.equal(scopeRefusal(shop, { department: 'transit' }), 'outside');
  assert.equal(scopeRefusal(transit, { department: 'transit' }), undefined);
  assert.equal(scopeRefusal(transit, { department: 'health' }), 'outside');
  assert.equal(scopeRefusal(transit, { merchant: 'shop' }), 'outside');
  const both = { merchant: 'fleet', department: 'transit' } as const;
  assert.equal(scopeRefusal(both, { merchant: 'fleet', department: 'transit' }), undefined);
  assert.equal(scopeRefusal(both, { merchant: 'other', department: 'transit' }), 'merchant');
  assert.equal(scopeRefusal(both, { department: 'transit' }), 'outside');
  assert.equal(isDepartment('transit') && isDepartment('health') && !isDepartment('Transit'), true);
});

test('operator scope - a token without operator claims is every role, unscoped; unknown roles are dropped', () => {
  const machine = operatorAccessOf({ clientId: 'operator', subject: 'operator', scopes: new Set() });
  assert.equal(machine.roles.size, 5);
  assert.deepEqual(machine.scope, unscoped);
  const person = operatorAccessOf({
    clientId: 'console',
    subject: 'operator:fay',
    scopes: new Set(),
    operator: { roles: ['finance', 'root'], merchant: 'shop', department: '' },
  });
  assert.deepEqual([...person.roles], ['finance']);
  assert.deepEqual(person.scope, { merchant: 'shop', department: '' });
});
