import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '@citypass/platform/errors';
import { serviceScopes, validateContactEmail, validateServiceName } from './service_name.ts';

const rejects = (fn: () => unknown, reason: string): void => {
  assert.throws(
    fn,
    (error: unknown) => error instanceof DomainError && error.kind === 'invalid_argument' && error.reason === reason,
  );
};

test('service name - slugs of 2 to 32 characters are accepted', () => {
  assert.equal(validateServiceName('parking'), 'parking');
  assert.equal(validateServiceName('b2'), 'b2');
  assert.equal(validateServiceName(`a${'b'.repeat(31)}`).length, 32);
});

test('service name - bad shapes and reserved names are refused', () => {
  for (const name of ['p', `a${'b'.repeat(32)}`, 'Parking', '9lives', 'bike_share', 'a b', ''])
    rejects(() => validateServiceName(name), 'SERVICE_NAME_INVALID');
  rejects(() => validateServiceName('operator'), 'SERVICE_NAME_RESERVED');
  rejects(() => validateServiceName('transit-account'), 'SERVICE_NAME_RESERVED');
  assert.equal(validateServiceName('transit'), 'transit', 'the transit service is onboarded under its audience');
});

test('service name - scopes always include charge and only take known verbs on the same service', () => {
  assert.deepEqual(serviceScopes('parking', []), ['charge:parking']);
  assert.deepEqual(serviceScopes('parking', ['refund:parking', 'charge:parking']), [
    'charge:parking',
    'refund:parking',
  ]);
  rejects(() => serviceScopes('parking', ['charge:transit']), 'SCOPE_INVALID');
  rejects(() => serviceScopes('parking', ['identity:admin']), 'SCOPE_INVALID');
  rejects(() => serviceScopes('parking', ['charge:parking:x']), 'SCOPE_INVALID');
});

test('service name - gate and settle are verbs on the same service too', () => {
  assert.deepEqual(serviceScopes('transit', ['settle:transit']), ['charge:transit', 'settle:transit']);
  assert.deepEqual(serviceScopes('gates-u2', ['gate:gates-u2']), ['charge:gates-u2', 'gate:gates-u2']);
  rejects(() => serviceScopes('parking', ['settle:transit']), 'SCOPE_INVALID');
  rejects(() => serviceScopes('parking', ['gate:transit']), 'SCOPE_INVALID');
  rejects(() => serviceScopes('parking', ['transit:admin']), 'SCOPE_INVALID');
  rejects(() => serviceScopes('parking', ['gates:parking']), 'SCOPE_INVALID');
});

test('service name - contact email must look like an address', () => {
  assert.equal(validateContactEmail('ops@parking.example'), 'ops@parking.example');
  rejects(() => validateContactEmail('ops'), 'CONTACT_EMAIL_INVALID');
});

test('service name - a contact email with a NUL character is refused', () => {
  rejects(() => validateContactEmail('ops\u0000@parking.example'), 'CONTACT_EMAIL_INVALID');
});
