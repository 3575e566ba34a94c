import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedMap } from './bounded_map.ts';

test('bounded map - past its capacity the key set longest ago is forgotten', () => {
  const map = new BoundedMap<string, number>(2);
  map.set('a', 1);
  map.set('b', 2);
  map.set('c', 3);
  assert.deepEqual([map.get('a'), map.get('b'), map.get('c'), map.size], [undefined, 2, 3, 2]);
});

test('bounded map - a key deleted and set again is kept as the newest, not forgotten with its old slot', () => {
  const map = new BoundedMap<string, number>(3);
  map.set('a', 1);
  map.delete('a');
  map.set('b', 2);
  map.set('a', 3); // a's first slot comes round next
  map.set('c', 4);
  assert.deepEqual([map.get('a'), map.get('b'), map.get('c')], [3, 2, 4]);
  map.set('d', 5); // now b, set longest ago, goes
  assert.deepEqual([map.has('b'), map.get('a'), map.get('c'), map.get('d'), map.size], [false, 3, 4, 5, 3]);
});

test('bounded map - a key set again while held replaces its value and counts as the newest', () => {
  const map = new BoundedMap<string, number>(2);
  map.set('a', 1);
  map.set('b', 2);
  map.set('a', 3);
  map.set('c', 4);
  assert.deepEqual([map.get('a'), map.has('b'), map.get('c'), map.size], [3, false, 4, 2]);
});

test('bounded map - a capacity below 1 is refused', () => {
  assert.throws(() => new BoundedMap(0), RangeError);
});
