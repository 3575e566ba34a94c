import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from './errors.ts';
import { KeyQueue } from './key_queue.ts';

const busy = (): DomainError => new DomainError('resource_exhausted', 'ACCOUNT_BUSY', 'busy');
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('key queue - calls on one key run one at a time, in arrival order; other keys are not held up', async () => {
  const queue = new KeyQueue({ maxWaiting: 10, refusal: busy });
  const log: string[] = [];
  let running = 0;
  let most = 0;
  const call = (key: string, name: string) =>
    queue.run(key, async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    });
  const hot = [call('hot', 'a'), call('hot', 'b'), call('hot', 'c')];
  const other = call('other', 'x');
  assert.deepEqual(await Promise.all([...hot, other]), ['a', 'b', 'c', 'x']);
  assert.deepEqual(
    log.filter((line) => line.endsWith('a') || line.endsWith('b') || line.endsWith('c')),
    ['start a', 'end a', 'start b', 'end b', 'start c', 'end c'],
  );
  assert.ok(log.indexOf('start x') < log.indexOf('end a'), 'another key runs beside the hot one');
  assert.equal(most, 2);
  assert.equal(queue.waiting, 0);
});

test('key queue - past maxWaiting a call is refused at once and nothing of it runs; a failure does not block the next call', async () => {
  const queue = new KeyQueue({ maxWaiting: 2, refusal: busy });
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let ran = 0;
  const first = queue.run('hot', async () => {
    ran++;
    await gate;
    throw new Error('first failed');
  });
  const waiting = [
    queue.run('hot', () => {
      ran++;
      return Promise.resolve('second');
    }),
    queue.run('hot', () => {
      ran++;
      return Promise.resolve('third');
    }),
  ];
  await assert.rejects(
    queue.run('hot', () => {
      ran++;
      return Promise.resolve('refused');
    }),
    (error: unknown) => error instanceof DomainError && error.reason === 'ACCOUNT_BUSY',
  );
  assert.equal(queue.waiting, 2);
  release();
  await assert.rejects(first, /first failed/);
  assert.deepEqual(await Promise.all(waiting), ['second', 'third']);
  assert.equal(ran, 3);
  assert.equal(await queue.run('hot', () => Promise.resolve('after')), 'after', 'the key is usable again once drained');
});

test('key queue - a call whose deadline passed while it waited does not run', async () => {
  const queue = new KeyQueue({ maxWaiting: 2, refusal: busy });
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const first = queue.run('hot', () => gate);
  let ran = false;
  const late = queue.run(
    'hot',
    () => {
      ran = true;
      return Promise.resolve();
    },
    Date.now() + 5,
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  release();
  await first;
  await assert.rejects(late, (error: unknown) => error instanceof DomainError && error.kind === 'deadline_exceeded');
  assert.equal(ran, false);
});

test('key queue - past maxQueued calls across all keys a new call on any key is refused at once with the overload error; a finished call frees its place', async () => {
  const overloaded = (): DomainError => new DomainError('resource_exhausted', 'WALLET_OVERLOADED', 'overloaded');
  const queue = new KeyQueue({ maxWaiting: 10, refusal: busy, maxQueued: 3, overload: overloaded });
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let ran = 0;
  const held = (key: string) =>
    queue.run(key, async () => {
      ran++;
      await gate;
      return key;
    });
  const calls = [held('a'), held('b'), held('a')];
  assert.equal(queue.queued, 3);
  await assert.rejects(
    queue.run('c', () => Promise.resolve('c')),
    (error: unknown) => error instanceof DomainError && error.reason === 'WALLET_OVERLOADED',
  );
  assert.equal(queue.queued, 3, 'a refused call takes no place');
  release();
  assert.deepEqual(await Promise.all(calls), ['a', 'b', 'a']);
  assert.equal(ran, 3);
  assert.equal(queue.queued, 0);
  assert.equal(await queue.run('c', () => Promise.resolve('c')), 'c');
});
