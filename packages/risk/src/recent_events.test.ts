import assert from 'node:assert/strict';
import test from 'node:test';
import { recentCapacity, RecentEvents } from './recent_events.ts';

const minuteMs = 60_000;

/** A ring (row 0 of its own rows) of events at these minutes, placed at x = the minute, in the order given. */
function ringOf(minutes: readonly number[]): RecentEvents {
  const ring = new RecentEvents();
  ring.start(0);
  for (const minute of minutes) ring.add(0, minute * minuteMs, minute, 0);
  return ring;
}

test('recent events - an empty ring has no last event and counts none', () => {
  const ring = ringOf([]);
  assert.ok(Number.isNaN(ring.lastAtMs(0)));
  assert.equal(ring.lastPlaced(0), undefined);
  assert.equal(ring.countWithin(0, 0, minuteMs), 0);
});

test('recent events - the newest by time is the last, whatever order the events came in', () => {
  const ring = ringOf([3, 9, 1]);
  assert.equal(ring.lastAtMs(0), 9 * minuteMs);
  assert.deepEqual(ring.lastPlaced(0), [9 * minuteMs, 9, 0]);
});

test('recent events - a full ring keeps the newest events by time and drops a late one older than all', () => {
  const minutes = [10, 2, 8, 4, 6, 1, 9, 3, 7, 5];
  const inOrder = ringOf([...minutes].sort((a, b) => a - b));
  const shuffled = ringOf(minutes);
  assert.equal(recentCapacity, 5);
  for (const ring of [inOrder, shuffled]) {
    assert.equal(ring.lastAtMs(0), 10 * minuteMs);
    // Minutes 6 to 10 are kept: five within 4 minutes before minute 10, none of the older ones.
    assert.equal(ring.countWithin(0, 10 * minuteMs, 4 * minuteMs), 5);
    assert.equal(ring.countWithin(0, 10 * minuteMs, 60 * minuteMs), 5);
  }
});

test('recent events - an unplaced newest event leaves the last place to the newest placed one', () => {
  const ring = ringOf([1, 4]);
  ring.add(0, 2 * minuteMs, Number.NaN, Number.NaN);
  ring.add(0, 6 * minuteMs, Number.NaN, Number.NaN);
  assert.equal(ring.lastAtMs(0), 6 * minuteMs);
  assert.deepEqual(ring.lastPlaced(0), [4 * minuteMs, 4, 0]);
});
