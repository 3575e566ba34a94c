import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveViews } from './live_views.ts';

const nowMs = Date.UTC(2027, 0, 4, 8, 30);
const tap = (offline: boolean, decision: string, reason = '') => ({
  decidedAt: new Date(nowMs - (offline ? 3_600_000 : 0)).toISOString(),
  gateId: 'central-g1',
  stationId: 'central',
  direction: 'in',
  decision,
  reason,
  offline,
});

test('live views - an offline tap is listed with the online ones but not counted in the per-minute charts', () => {
  const live = new LiveViews(() => nowMs);
  live.tapDecided(tap(false, 'OPEN'));
  live.tapDecided(tap(true, 'DENY', 'CREDENTIAL_REVOKED'));
  live.tapDecided(tap(true, 'OPEN'));
  assert.deepEqual(
    live.latestTaps.map((each) => [each.offline, each.decision]),
    [
      [true, 'OPEN'],
      [true, 'DENY'],
      [false, 'OPEN'],
    ],
  );
  assert.equal(live.taps.total(nowMs), 1);
  assert.equal(live.tapsDenied.total(nowMs), 0);
  assert.equal(live.declines.size, 0);
});
