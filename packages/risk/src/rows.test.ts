import assert from 'node:assert/strict';
import test from 'node:test';
import { IdRows, ListPool, withRoom } from './rows.ts';

test('rows - withRoom keeps the values, fills only the new slots and grows by half again', () => {
  const column = Int32Array.from([4, 5]);
  assert.equal(withRoom(column, 2, -1), column);
  const grown = withRoom(withRoom(column, 20, -1), 31, -1);
  assert.deepEqual([...grown.slice(0, 3)], [4, 5, -1]);
  assert.ok(grown.every((value, index) => index < 2 || value === -1));
  assert.equal(grown.length, 31);
  assert.equal(withRoom(grown, 32).length, 47);
});

test('rows - ids get rows in the order first seen, once each', () => {
  const ids = new IdRows();
  assert.deepEqual(ids.add('b'), { row: 0, isNew: true });
  assert.deepEqual(ids.add('a'), { row: 1, isNew: true });
  assert.deepEqual(ids.add(String.fromCharCode(98)), { row: 0, isNew: false });
  assert.equal(ids.rowOf('a'), 1);
  assert.equal(ids.rowOf('c'), -1);
  assert.equal(ids.size, 2);
});

test('rows - lists keep their own values in the order appended, side by side in one pool', () => {
  const pool = new ListPool();
  const first = pool.append(-1, 7);
  const second = pool.append(-1, 9);
  pool.append(pool.last(first), 8);
  pool.append(pool.last(second), 7);
  const valuesOf = (head: number) => {
    const values = [];
    for (let cell = head; cell !== -1; cell = pool.next[cell] ?? -1) values.push(pool.values[cell]);
    return values;
  };
  assert.deepEqual(valuesOf(first), [7, 8]);
  assert.deepEqual(valuesOf(second), [9, 7]);
  assert.equal(pool.find(first, 9), -1);
  assert.equal(pool.find(second, 7), 3);
  assert.equal(pool.last(-1), -1);
  assert.equal(pool.size, 4);
  assert.throws(() => pool.append(first, 1), /last cell/);
});

test('rows - a removed id gives its row to the next new id, and a removed cell is the next appended', () => {
  const ids = new IdRows();
  ids.add('a');
  ids.add('b');
  ids.remove(0);
  assert.equal(ids.rowOf('a'), -1);
  assert.equal(ids.isUsed(0), false);
  assert.deepEqual(ids.add('c'), { row: 0, isNew: true });
  assert.deepEqual([ids.size, ids.capacity], [2, 2]);
  assert.throws(() => {
    ids.remove(5);
  }, /in use/);

  const pool = new ListPool();
  const atMs = Float64Array.from([10, 20, 5, 30]);
  let head = pool.append(-1, 1);
  for (const value of [2, 3, 4]) pool.append(pool.last(head), value);
  head = pool.removeOlder(head, atMs, 15);
  assert.equal(pool.values[head], 2, 'the first cell went');
  assert.deepEqual([pool.length(head), pool.size, pool.capacity], [2, 2, 4]);
  const reused = pool.append(pool.last(head), 9);
  assert.ok(reused === 0 || reused === 2, 'a freed cell is reused');
  assert.equal(pool.capacity, 4);
  assert.equal(pool.removeOlder(head, atMs, Number.POSITIVE_INFINITY), -1);
  assert.equal(pool.size, 0);
});
