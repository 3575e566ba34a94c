import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Hold } from '@citypass/proto/wallet/v1/wallet';
import { RecentHolds } from './recent_holds.ts';

const hold = (holdId: string, service = 'shop'): Hold =>
  ({ holdId, service, residentId: 'r', status: 'pending' }) as Hold;

test('a remembered hold is taken once, by its own service only', () => {
  const holds = new RecentHolds(10);
  holds.remember(hold('a'));
  assert.equal(holds.take('transit', 'a'), undefined);
  assert.equal(holds.take('shop', 'a')?.holdId, 'a');
  assert.equal(holds.take('shop', 'a'), undefined);
});

test('past its capacity the oldest hold is forgotten', () => {
  const holds = new RecentHolds(2);
  for (const id of ['a', 'b', 'c']) holds.remember(hold(id));
  assert.equal(holds.take('shop', 'a'), undefined);
  assert.equal(holds.take('shop', 'b')?.holdId, 'b');
  assert.equal(holds.take('shop', 'c')?.holdId, 'c');
});
