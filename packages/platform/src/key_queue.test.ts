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
