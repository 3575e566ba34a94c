import assert from 'node:assert/strict';
import { appendFile, cp, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDomainError } from '@citypass/platform/errors';
import { lineOf } from './journal_format.ts';
import { journalFileName, TapJournal } from './tap_journal.ts';
import { journalDirectory, journaledTap } from './test_support.ts';

const pendingIds = (journal: TapJournal): string[] =>
  journal.pendingTaps(Number.MAX_SAFE_INTEGER).map((tap) => tap.tapId);

test('tap journal - an appended tap is pending after reopening, an acknowledged one is not', async () => {
  const dir = await journalDirectory();
  const journal = await TapJournal.open(dir);
  const [first, second, third] = [
    journaledTap(),
    journaledTap({ decision: 'DENY', reason: 'CREDENTIAL_REVOKED' }),
    journaledTap(),
  ];
  for (const tap of [first, second, third]) await journal.append(tap);
  await journal.acknowledge([second.tapId, 'never-journaled']);
  assert.deepEqual(pendingIds(journal), [first.tapId, third.tapId]);
  await journal.close();

  const reopened = await TapJournal.open(dir);
  assert.deepEqual(reopened.pendingTaps(10), [first, third]);
  assert.deepEqual(reopened.recovery, { pendingTaps: 2, skippedLines: 0, truncatedBytes: 0 });
  await reopened.close();
});

test('tap journal - a torn last line is skipped and cut off, and the next append starts on a clean line', async () => {
  const dir = await journalDirectory();
  const journal = await TapJournal.open(dir);
  const kept = journaledTap();
  await journal.append(kept);
  await journal.close();
  const torn = lineOf({ tap: journaledTap() });
  await appendFile(join(dir, journalFileName), torn.slice(0, torn.length - 7)); // crash in the middle of an append

  const reopened = await TapJournal.open(dir);
  assert.deepEqual(pendingIds(reopened), [kept.tapId]);
  assert.deepEqual(reopened.recovery, { pendingTaps: 1, skippedLines: 1, truncatedBytes: torn.length - 7 });
  const next = journaledTap();
  await reopened.append(next);
  await reopened.close();

  const again = await TapJournal.open(dir);
  assert.deepEqual(pendingIds(again), [kept.tapId, next.tapId]);
  assert.equal(again.recovery.skippedLines, 0);
  await again.close();
});

test('tap journal - a crash cut at any byte of the last append reopens to the taps before it', async () => {
  const dir = await journalDirectory();
  const journal = await TapJournal.open(dir);
  const before = [journaledTap(), journaledTap()];
  for (const tap of before) await journal.append(tap);
  const durableBytes = journal.stats.sizeBytes;
  const last = journaledTap({ presentation: 'ü'.repeat(40) }); // multi-byte characters: a cut can split one
  await journal.append(last);
  const fullBytes = journal.stats.sizeBytes;
  await journal.close();

  const copy = `${dir}-cut`;
  for (let cutAt = durableBytes; cutAt <= fullBytes; cutAt++) {
    await cp(dir, copy, { recursive: true, force: true });
    await truncate(join(copy, journalFileName), cutAt);
    const reopened = await TapJournal.open(copy);
    const expected = cutAt === fullBytes ? [...before, last] : before;
    assert.deepEqual(
      pendingIds(reopened),
      expected.map((tap) => tap.tapId),
      `cut at byte ${cutAt}`,
    );
    assert.equal((await stat(join(copy, journalFileName))).size, cutAt === fullBytes ? fullBytes : durableBytes);
    await reopened.close();
  }
});

test('tap journal - a damaged line in the middle is skipped and the lines after it are kept', async () => {
  const dir = await journalDirectory();
  const journal = await TapJournal.open(dir);
  const taps = [journaledTap(), journaledTap(), journaledTap()];
  for (const tap of taps) await journal.append(tap);
  await journal.close();
  const path = join(dir, journalFileName);
  const lines = (await readFile(path, 'utf8')).split('\n');
  lines[1] = (lines[1] ?? '').replace('"in"', '"out"'); // same length, checksum no longer matches
  await writeFile(path, lines.join('\n'));

  const reopened = await TapJournal.open(dir);
  assert.deepEqual(pendingIds(reopened), [taps[0]?.tapId, taps[2]?.tapId]);
  assert.equal(reopened.recovery.skippedLines, 1);
  await reopened.close();
});

test('tap journal - concurrent appends share one fdatasync', async () => {
  const journal = await TapJournal.open(await journalDirectory());
  await Promise.all(Array.from({ length: 64 }, () => journal.append(journaledTap())));
  assert.equal(journal.pendingCount, 64);
  assert.ok(journal.stats.syncs <= 2, `64 concurrent appends took ${journal.stats.syncs} syncs`);
  const syncsBefore = journal.stats.syncs;
  for (let index = 0; index < 3; index++) await journal.append(journaledTap());
  assert.equal(journal.stats.syncs, syncsBefore + 3, 'each sequential append is synced before it resolves');
  await journal.close();
});

test('tap journal - compaction keeps only pending taps, so acknowledged taps do not make the file grow', async () => {
  const dir = await journalDirectory();
  const journal = await TapJournal.open(dir, { compactAfterDeadLines: 50 });
  const sizes: number[] = [];
  let carried = journaledTap();
  await journal.append(carried);
  for (let round = 0; round < 20; round++) {
    const batch = Array.from({ length: 10 }, () => journaledTap());
    await Promise.all(batch.map((tap) => journal.append(tap)));
    await journal.acknowledge([carried.tapId, ...batch.slice(0, 9).map((tap) => tap.tapId)]);
    carried = batch[9] ?? carried;
    sizes.push(journal.stats.sizeBytes);
  }
  assert.ok(journal.stats.compactions >= 3, `compactions: ${journal.stats.compactions}`);
  assert.ok(Math.max(...sizes.slice(10)) <= Math.max(...sizes.slice(0, 10)), `sizes ${sizes.join(',')}`);
  await journal.close();
  const reopened = await TapJournal.open(dir);
  assert.deepEqual(pendingIds(reopened), [carried.tapId]);
  assert.deepEqual(await readdir(dir), [journalFileName]);
  await reopened.close();
});

test('tap journal - a compaction file left by a crash is ignored and removed', async () => {
  const dir = await journalDirectory();
  const journal = await TapJournal.open(dir);
  const tap = journaledTap();
  await journal.append(tap);
  await journal.close();
  await writeFile(join(dir, `${journalFileName}.compacting`), lineOf({ tap: journaledTap() }).slice(0, 20));

  const reopened = await TapJournal.open(dir);
  assert.deepEqual(pendingIds(reopened), [tap.tapId]);
  assert.deepEqual(await readdir(dir), [journalFileName]);
  await reopened.close();
});

test('tap journal - beyond maxPendingTaps an append fails with GATE_JOURNAL_FULL', async () => {
  const journal = await TapJournal.open(await journalDirectory(), { maxPendingTaps: 2 });
  await journal.append(journaledTap());
  await journal.append(journaledTap());
  await assert.rejects(
    journal.append(journaledTap()),
    (error) => isDomainError(error) && error.reason === 'GATE_JOURNAL_FULL',
  );
  await journal.acknowledge(pendingIds(journal).slice(0, 1));
  await journal.append(journaledTap());
  assert.equal(journal.pendingCount, 2);
  await journal.close();
});
