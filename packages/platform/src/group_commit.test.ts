import assert from 'node:assert/strict';
import test from 'node:test';
import { DomainError } from './errors.ts';
import { GroupCommit, type ItemOutcome } from './group_commit.ts';

/** A commit that the test lets finish: batches are recorded as they start. */
function gate() {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const commit = async (items: readonly number[]): Promise<ItemOutcome<number>[]> => {
    batches.push([...items]);
    await new Promise<void>((resolve) => releases.push(resolve));
    return items.map((item) =>
      item < 0 ? { ok: false, error: new Error(`refused ${item}`) } : { ok: true, value: item * 10 },
    );
  };
  const releaseNext = async (): Promise<void> => {
    while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
    releases.shift()?.();
  };
  return { batches, commit, releaseNext };
}

test('group commit - what arrives while a batch is in flight leaves together in the next, at most maxBatch', async () => {
  const { batches, commit, releaseNext } = gate();
  const sizes: number[] = [];
  const group = new GroupCommit<number, number>({ maxBatch: 3, commit, onBatch: (size) => sizes.push(size) });
  const first = group.submit(1);
  await new Promise((resolve) => setImmediate(resolve));
  const later = [2, 3, 4, 5, 6].map((item) => group.submit(item));
  assert.equal(group.waiting, 5);
  await releaseNext();
  assert.equal(await first, 10);
  await releaseNext();
  await releaseNext();
  assert.deepEqual(await Promise.all(later), [20, 30, 40, 50, 60]);
  assert.deepEqual(batches, [[1], [2, 3, 4], [5, 6]]);
  assert.deepEqual(sizes, [1, 3, 2]);
});

test('group commit - items submitted in one turn share a batch; a refused item fails alone', async () => {
  const { batches, commit, releaseNext } = gate();
  const group = new GroupCommit<number, number>({ maxBatch: 10, commit });
  const results = [1, -2, 3].map((item) =>
    group.submit(item).then(
      (value) => `ok ${value}`,
      (error: unknown) => (error as Error).message,
    ),
  );
  await releaseNext();
  assert.deepEqual(await Promise.all(results), ['ok 10', 'refused -2', 'ok 30']);
  assert.deepEqual(batches, [[1, -2, 3]]);
});

test('group commit - a commit that fails as a whole fails every item of its batch, and the next batch still runs', async () => {
  let calls = 0;
  const group = new GroupCommit<number, number>({
    maxBatch: 2,
    commit: (items) => {
      calls++;
      if (calls === 1) return Promise.reject(new Error('connection lost'));
      return Promise.resolve(items.map((item) => ({ ok: true, value: item })));
    },
  });
  const outcomes = await Promise.allSettled([1, 2, 3].map((item) => group.submit(item)));
  assert.deepEqual(
    outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message)),
    ['connection lost', 'connection lost', 3],
  );
});

test('group commit - maxBatch below 1 is a programming error', () => {
  assert.throws(() => new GroupCommit({ maxBatch: 0, commit: () => Promise.resolve([]) }), /maxBatch/);
});

test('group commit - an item past its deadline when its batch forms is dropped unwritten; one already in a batch is committed whatever the clock says', async () => {
  const { batches, commit, releaseNext } = gate();
  let nowMs = 1_000;
  const expired: number[] = [];
  const group = new GroupCommit<number, number>({
    maxBatch: 2,
    commit,
    now: () => nowMs,
    onExpired: (dropped) => expired.push(dropped),
  });
  const inFlight = group.submit(1, 1_500);
  await new Promise((resolve) => setImmediate(resolve));
  const outcomes = [
    group.submit(2, 1_500),
    group.submit(3, 5_000),
    group.submit(4, 1_500),
    group.submit(5, 5_000),
    group.submit(6, 5_000),
  ].map((call) =>
    call.then(
      (value) => `ok ${value}`,
      (error: unknown) => (error instanceof DomainError ? `${error.kind} ${error.reason}` : String(error)),
    ),
  );
  nowMs = 2_000; // past item 1's deadline too, but item 1 is already being committed
  await releaseNext();
  assert.equal(await inFlight, 10);
  await releaseNext();
  await releaseNext();
  assert.deepEqual(await Promise.all(outcomes), [
    'deadline_exceeded DEADLINE_EXCEEDED',
    'ok 30',
    'deadline_exceeded DEADLINE_EXCEEDED',
    'ok 50',
    'ok 60',
  ]);
  assert.deepEqual(batches, [[1], [3, 5], [6]], 'a batch is filled with live items past the expired ones');
  assert.deepEqual(expired, [2]);
});
