import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unscoped } from '@citypass/contracts';
import { mayReadAudit, mayWatch, offersLink, scopeText } from './operator_scope.ts';

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
  const admin = (scope: typeof shop | typeof transit) => ({ roles: ['admin'], scope });
  assert.equal(offersLink(admin(shop), 'services') && !offersLink(admin(shop), 'identity-city'), true);
  assert.equal(offersLink(admin(transit), 'transit-department') && !offersLink(admin(transit), 'wallet'), true);
  assert.equal(scopeText(unscoped), 'the whole city');
  assert.equal(
    scopeText({ merchant: 'trams', department: 'transit' }),
    'the merchant trams within the transit department',
  );
});

test('operator scope - the audit link for whoever at least one log answers: by role and scope, per service', () => {
  const shop = { merchant: 'shop', department: '' } as const;
  const transit = { merchant: '', department: 'transit' } as const;
  const health = { merchant: '', department: 'health' } as const;
  const cases: [string[], typeof unscoped, boolean][] = [
    [['admin'], transit, true], // transit's log
    [['auditor'], transit, true],
    [['support'], transit, false], // transit's needs admin or auditor; identity's and the wallet's no department
    [['admin'], health, false],
    [['auditor'], unscoped, true], // the wallet's and transit's
    [['support'], unscoped, true], // identity's
    [['onboarder'], shop, true], // identity's, narrowed to the shop's service events
    [['auditor'], shop, true],
    [['finance'], unscoped, false], // finance reads no log
    [[], unscoped, false],
  ];
  for (const [roles, scope, expected] of cases) {
    assert.equal(mayReadAudit({ roles, scope }), expected, `${roles.join('+')} ${scopeText(scope)}`);
    assert.equal(offersLink({ roles, scope }, 'audit'), expected);
  }
});
