import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from './errors.ts';
import type { Principal } from './grpc.ts';
import { checkListener, isOperatorPrincipal, type Listener } from './admin_port.ts';

const service: Principal = { clientId: 'shop', subject: 'shop', scopes: new Set(['charge:shop']) };
const operatorClient: Principal = { clientId: 'operator', subject: 'operator', scopes: new Set(['wallet:admin']) };
const person: Principal = {
  clientId: 'console',
  subject: 'operator:ada',
  scopes: new Set(),
  operator: { roles: ['support'], merchant: '', department: '' },
};

const outcome = (listener: Listener, principal: Principal): string => {
  try {
    checkListener(listener, principal, 'wallet:admin');
    return 'OK';
  } catch (error) {
    assert.ok(error instanceof DomainError);
    return `${error.kind}:${error.reason}`;
  }
};

test('admin port - an operator is a signed-in person or a client with the admin scope', () => {
  assert.equal(isOperatorPrincipal(person, 'wallet:admin'), true);
  assert.equal(isOperatorPrincipal(operatorClient, 'wallet:admin'), true);
  assert.equal(isOperatorPrincipal(operatorClient, 'transit:admin'), false);
  assert.equal(isOperatorPrincipal(operatorClient, undefined), false);
  assert.equal(isOperatorPrincipal(service, 'wallet:admin'), false);
});

test('admin port - operators only on the admin port, everyone else only on the public one, anyone on a shared one', () => {
  const table = (['shared', 'public', 'admin'] as const).map((listener) => [
    listener,
    outcome(listener, service),
    outcome(listener, operatorClient),
    outcome(listener, person),
  ]);
  assert.deepEqual(table, [
    ['shared', 'OK', 'OK', 'OK'],
    ['public', 'OK', 'permission_denied:ADMIN_PORT_REQUIRED', 'permission_denied:ADMIN_PORT_REQUIRED'],
    ['admin', 'permission_denied:ADMIN_PORT_OPERATORS_ONLY', 'OK', 'OK'],
  ]);
});
