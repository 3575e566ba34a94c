import assert from 'node:assert/strict';
import test from 'node:test';
import { resources } from './resources.ts';
import { operatorScopes, resourceOfScope, serviceScope } from './scopes.ts';

test('scopes - a service scope is <verb>:<service>', () => {
  assert.equal(serviceScope('charge', 'parking'), 'charge:parking');
  assert.equal(serviceScope('gate', 'gates-u2'), 'gate:gates-u2');
});

test('scopes - each scope belongs to one resource: wallet verbs and wallet:admin, gate and transit:admin, identity:admin', () => {
  for (const verb of ['charge', 'refund', 'read', 'topup', 'settle'])
    assert.equal(resourceOfScope(`${verb}:parking`), resources.wallet, verb);
  assert.equal(resourceOfScope('gate:gates-u2'), resources.transit);
  assert.equal(resourceOfScope(operatorScopes.transit), resources.transit);
  assert.equal(resourceOfScope(operatorScopes.identity), resources.identity);
  assert.equal(resourceOfScope(operatorScopes.wallet), resources.wallet);
});

test('scopes - unknown verbs, empty or nested service names and other shapes belong to no resource', () => {
  for (const scope of [
    'gates:bad-one',
    'charge:',
    'charge:a:b',
    'charge:Parking',
    'wallet:audit',
    'openid',
    '',
    'charge :x',
    ' charge:x',
  ]) {
    assert.equal(resourceOfScope(scope), undefined, JSON.stringify(scope));
  }
});

test('scopes - health billing: bill and insure belong to health-billing, adjudicate to the wallet', () => {
  assert.equal(resourceOfScope('bill:clinic-north'), resources.healthBilling);
  assert.equal(resourceOfScope('insure:city-health-fund'), resources.healthBilling);
  assert.equal(resourceOfScope(operatorScopes.healthBilling), resources.healthBilling);
  assert.equal(resourceOfScope('adjudicate:health-billing'), resources.wallet);
});
