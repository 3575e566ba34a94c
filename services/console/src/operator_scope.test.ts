import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unscoped } from '@citypass/contracts';
import { mayWatch, offersLink, scopeText } from './operator_scope.ts';

test('operator scope - the city now is for unscoped operators; gate taps also for the transit department', () => {
  const shop = { merchant: 'shop', department: '' } as const;
  const transit = { merchant: '', department: 'transit' } as const;
  const health = { merchant: '', department: 'health' } as const;
  assert.deepEqual(
    [unscoped, shop, transit, health].map((scope) => [mayWatch(scope, 'city'), mayWatch(scope, 'taps')]),
    [
      [true, true],
      [false, false],
      [false, true],
      [false, false],
    ],
  );
  assert.equal(offersLink(shop, 'services') && !offersLink(shop, 'identity-city'), true);
  assert.equal(offersLink(transit, 'transit-department') && !offersLink(transit, 'wallet'), true);
  assert.equal(scopeText(unscoped), 'the whole city');
  assert.equal(
    scopeText({ merchant: 'trams', department: 'transit' }),
    'the merchant trams within the transit department',
  );
});
