import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PerMinute } from './per_minute.ts';

const minute = 60_000;
const at = (minutes: number, seconds = 0): number => Date.UTC(2027, 0, 4, 8, minutes, seconds);

test('per minute - counters add up within a minute, gauges keep the highest, the window rolls and forgets', () => {
  const taps = new PerMinute(3);
  taps.add(at(0, 5));
  taps.add(at(0, 59), 2);
  taps.add(at(2, 0));
  assert.deepEqual(
    taps.series(at(2, 30)).map((each) => [(each.minuteMs - at(0)) / minute, each.value]),
    [
      [-1, 0],
      [0, 3],
      [1, 0],
      [2, 1],
    ],
  );
  assert.equal(taps.total(at(2, 30)), 4);
  // Four minutes on, minute 0 has left the window (3 whole minutes and the current one).
  taps.add(at(4, 1));
  assert.equal(taps.total(at(4, 1)), 2);
  assert.equal(taps.series(at(4, 1)).length, 4);

  const lag = new PerMinute(3);
  lag.observe(at(1, 0), 40);
  lag.observe(at(1, 10), 25);
  lag.observe(at(1, 20), 70);
  assert.equal(lag.series(at(1, 30)).at(-1)?.value, 70);
});
