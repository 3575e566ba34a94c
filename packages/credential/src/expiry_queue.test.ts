import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpiryQueue } from './expiry_queue.ts';

test('expiry queue - pops keys in due order whatever the push order', () => {
  const queue = new ExpiryQueue();
  const due = Array.from({ length: 500 }, (_, index) => (index * 7919) % 1000);
  due.forEach((dueAtMs, index) => {
    queue.push(dueAtMs, `k${index}`);
  });
  const popped: number[] = [];
  while (queue.size > 0) {
    popped.push(queue.peekDueAtMs());
    assert.ok(queue.pop() !== undefined);
  }
  assert.deepEqual(
    popped,
    [...due].sort((a, b) => a - b),
  );
});

test('expiry queue - empty queue peeks infinity and pops undefined', () => {
  const queue = new ExpiryQueue();
  assert.equal(queue.peekDueAtMs(), Number.POSITIVE_INFINITY);
  assert.equal(queue.pop(), undefined);
  queue.push(5, 'only');
  assert.equal(queue.pop(), 'only');
  assert.equal(queue.size, 0);
});
