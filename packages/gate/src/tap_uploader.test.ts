import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DomainError, isDomainError } from '@citypass/platform/errors';
import { deadLetterFileName } from './dead_letter.ts';
import type { GateLink } from './gate_link.ts';
import { parseLog, type JournaledTap } from './journal_format.ts';
import { TapJournal } from './tap_journal.ts';
import { TapUploader, type UploadEvent } from './tap_uploader.ts';
import { eventually, FakeTransit, gateConfigFor, journalDirectory, journaledTap, makeIssuer } from './test_support.ts';

const gateId = 'gate-7';

async function journalWith(
  count: number,
  tap: Partial<JournaledTap> = {},
): Promise<{ journal: TapJournal; dir: string; tapIds: string[] }> {
  return journalOf(
    Array.from({ length: count }, (_, index) => journaledTap({ tappedAtMs: Date.now() + index, ...tap })),
  );
}

async function journalOf(
  taps: readonly JournaledTap[],
): Promise<{ journal: TapJournal; dir: string; tapIds: string[] }> {
  const dir = await journalDirectory();
  const journal = await TapJournal.open(dir);
  await Promise.all(taps.map((tap) => journal.append(tap))); // one group commit, in this order
  return { journal, dir, tapIds: taps.map((tap) => tap.tapId) };
}

/** About what an OPEN tap's presentation weighs at most, and what a junk scan weighed before DENY taps dropped it. */
const scanLength = 3_500;

const transit = (): FakeTransit => new FakeTransit(gateConfigFor(gateId, makeIssuer()));

test('tap uploader - uploads pending taps oldest first in batches, acknowledges them, and sends each once', async () => {
  const { journal, dir, tapIds } = await journalWith(1_203);
  const link = transit();
  const uploader = new TapUploader({ gateId, link, journal, batchSize: 500 });
  await uploader.flush();

  assert.deepEqual(
    link.uploads.map((upload) => upload.tapIds.length),
    [500, 500, 203],
  );
  assert.deepEqual(
    link.uploads.flatMap((upload) => upload.tapIds),
    tapIds,
  );
  assert.ok([...link.sendCounts().values()].every((count) => count === 1));
  assert.equal(uploader.pendingCount, 0);
  const stored = link.held.get(tapIds[0] ?? '');
  assert.ok(stored !== undefined);
  assert.equal(stored.decision, 'OPEN');
  assert.ok(stored.tappedAt instanceof Date);
  await journal.close();

  const reopened = await TapJournal.open(dir); // acknowledgements are in the journal: nothing to send again
  assert.equal(reopened.pendingCount, 0);
  await reopened.close();
});

test('tap uploader - the background loop uploads new taps without being asked', async () => {
  const { journal } = await journalWith(0);
  const link = transit();
  const uploader = new TapUploader({ gateId, link, journal });
  uploader.start();
  const tap = journaledTap();
  await journal.append(tap);
  uploader.notify();
  await eventually(() => link.held.has(tap.tapId) && uploader.pendingCount === 0, 'the tap to be uploaded');
  await uploader.stop();
  await journal.close();
});

test('tap uploader - a repeated upload of the same ids (reply lost) is harmless: transit holds each tap once', async () => {
  const { journal, tapIds } = await journalWith(3);
  const link = transit();
  link.loseReplies = 1; // transit stores the batch, the gate never hears back
  const uploader = new TapUploader({ gateId, link, journal, backoff: { initialMs: 5, maxMs: 5 } });
  await assert.rejects(uploader.flush(), (error) => isDomainError(error) && error.reason === 'LINK_DOWN');
  assert.equal(uploader.pendingCount, 3);
  await uploader.flush();

  assert.deepEqual(
    link.uploads.map((upload) => upload.tapIds),
    [tapIds, tapIds],
  );
  assert.deepEqual([...link.held.keys()], tapIds);
  assert.equal(uploader.pendingCount, 0);
  await journal.close();
});

test('tap uploader - rejected taps are acknowledged too and not sent again', async () => {
  const { journal, tapIds } = await journalWith(3);
  const link = transit();
  link.refuse.add(tapIds[1] ?? '');
  const events: UploadEvent[] = [];
  const uploader = new TapUploader({ gateId, link, journal, onEvent: (event) => events.push(event) });
  await uploader.flush();
  await uploader.flush();

  assert.equal(link.uploads.length, 1);
  assert.equal(uploader.pendingCount, 0);
  assert.deepEqual(events, [
    { type: 'link_up' },
    { type: 'uploaded', accepted: 2, rejected: [{ tapId: tapIds[1], reason: 'TAP_MALFORMED' }], pending: 0 },
  ]);
  await journal.close();
});

test('tap uploader - backs off while the link is down, keeps the taps, and delivers them once it is back', async () => {
  const { journal, tapIds } = await journalWith(5);
  const link = transit();
  link.down = true;
  const events: string[] = [];
  const uploader = new TapUploader({
    gateId,
    link,
    journal,
    backoff: { initialMs: 20, maxMs: 160 },
    onEvent: (event) => events.push(event.type),
  });
  uploader.start();
  await eventually(() => link.failedCallTimesMs.length >= 5, 'five failed attempts');
  assert.equal(uploader.pendingCount, 5);
  const gapsMs = link.failedCallTimesMs.slice(1, 5).map((atMs, index) => atMs - (link.failedCallTimesMs[index] ?? 0));
  // Delays are drawn from [ceiling/2, ceiling] with ceilings 20, 40, 80, 160 ms.
  assert.ok(gapsMs[0] !== undefined && gapsMs[0] < 60, `first retry after ${gapsMs[0]} ms`);
  assert.ok(
    gapsMs[3] !== undefined && gapsMs[3] >= 75,
    `fourth retry after ${gapsMs[3]} ms (gaps ${gapsMs.join(', ')})`,
  );

  link.down = false;
  await eventually(() => uploader.pendingCount === 0, 'the taps to be delivered', 2_000);
  assert.deepEqual([...link.held.keys()], tapIds);
  assert.deepEqual(events, ['link_down', 'link_up', 'uploaded']);
  await uploader.stop();
  await journal.close();
});

test('tap uploader - offline it uploads nothing and flush refuses with GATE_OFFLINE; back online it uploads', async () => {
  const { journal } = await journalWith(2);
  const link = transit();
  const uploader = new TapUploader({ gateId, link, journal, online: false });
  uploader.start();
  await assert.rejects(uploader.flush(), (error) => isDomainError(error) && error.reason === 'GATE_OFFLINE');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(link.uploads.length, 0);

  uploader.setOnline(true);
  await eventually(() => uploader.pendingCount === 0, 'the upload after going online');
  await uploader.stop();
  await journal.close();
});

test('tap uploader - a reply that acknowledges none of the batch is a failure, and the taps stay', async () => {
  const { journal } = await journalWith(2);
  const link = transit();
  const silent = {
    getGateConfig: link.getGateConfig.bind(link),
    uploadTaps: () => Promise.resolve({ acceptedTapIds: ['someone-else'], rejected: [] }),
  };
  const uploader = new TapUploader({ gateId, link: silent, journal });
  await assert.rejects(uploader.flush(), (error) => isDomainError(error) && error.reason === 'UPLOAD_NOT_ACKNOWLEDGED');
  assert.equal(uploader.pendingCount, 2);
  await journal.close();
});

test('tap uploader - a batch stays within 512 KiB of encoded request by default, however many taps the count allows', async () => {
  const { journal, tapIds } = await journalWith(500, { presentation: 'p'.repeat(scanLength) }); // ~1.8 MB in one batch of 500
  const link = transit();
  const uploader = new TapUploader({ gateId, link, journal });
  await uploader.flush();

  const sizes = link.uploads.map((upload) => upload.requestBytes);
  assert.ok(sizes.length >= 4 && sizes.every((bytes) => bytes <= 512 * 1024), `request sizes ${sizes.join(', ')}`);
  assert.ok(
    sizes.slice(0, -1).every((bytes) => bytes > 512 * 1024 - 4_000),
    `batches are filled: ${sizes.join(', ')}`,
  );
  assert.deepEqual(
    link.uploads.flatMap((upload) => upload.tapIds),
    tapIds,
  );
  assert.equal(uploader.pendingCount, 0);
  await journal.close();
});

test('tap uploader - a DENY tap goes up without its presentation and with a bounded reason, even from an older journal', async () => {
  const deny = (reason: string): JournaledTap =>
    journaledTap({ decision: 'DENY', reason, presentation: 'j'.repeat(scanLength) });
  const taps = [
    journaledTap(),
    deny('PRESENTATION_REPLAYED'),
    deny('X'.repeat(64)),
    deny('X'.repeat(65)),
    deny('lower_case'),
    deny(''),
  ];
  const { journal } = await journalOf(taps);
  const link = transit();
  await new TapUploader({ gateId, link, journal }).flush();

  const held = taps.map((tap) => link.held.get(tap.tapId));
  assert.deepEqual(
    held.map((tap) => tap?.presentation),
    ['credential~kb-jwt', '', '', '', '', ''],
  );
  assert.deepEqual(
    held.map((tap) => tap?.reason),
    ['', 'PRESENTATION_REPLAYED', 'X'.repeat(64), 'OTHER', 'OTHER', 'OTHER'],
  );
  assert.ok((link.uploads[0]?.requestBytes ?? Infinity) < 1_000, `request of ${link.uploads[0]?.requestBytes} bytes`);
  await journal.close();
});

test('tap uploader - a batch transit finds too large is sent again at once with half the taps, and grows back after', async () => {
  const { journal, tapIds } = await journalWith(64, { presentation: 'p'.repeat(scanLength) });
  const link = transit();
  link.maxRequestBytes = 64 * 1024; // 18 such taps fit
  const events: UploadEvent[] = [];
  const uploader = new TapUploader({ gateId, link, journal, batchSize: 64, onEvent: (event) => events.push(event) });
  await uploader.flush();

  assert.deepEqual(
    link.tooLarge.map((refused) => refused.taps),
    [64, 32, 32, 32],
  );
  assert.deepEqual(
    link.uploads.map((upload) => upload.tapIds.length),
    [16, 16, 16, 16],
  );
  assert.deepEqual(
    link.uploads.flatMap((upload) => upload.tapIds),
    tapIds,
  );
  const tooLarge = events.filter((event) => event.type === 'upload_too_large');
  assert.deepEqual(
    tooLarge.map((event) => [event.sentTaps, event.nextBatchTaps]),
    [
      [64, 32],
      [32, 16],
      [32, 16],
      [32, 16],
    ],
  );
  assert.ok(tooLarge.every((event) => isDomainError(event.error) && event.error.reason === 'MESSAGE_TOO_LARGE'));
  assert.ok(!events.some((event) => event.type === 'link_down'), 'a batch too large is not a link failure');
  await journal.close();
});

test('tap uploader - transit refusing too many taps in one call (UPLOAD_TOO_LARGE) halves the batch too', async () => {
  const { journal, tapIds } = await journalWith(10);
  const link = transit();
  const counting: GateLink = {
    getGateConfig: (request) => link.getGateConfig(request),
    uploadTaps: (request) =>
      request.taps.length > 3
        ? Promise.reject(new DomainError('invalid_argument', 'UPLOAD_TOO_LARGE', 'at most 3 taps per upload'))
        : link.uploadTaps(request),
  };
  await new TapUploader({ gateId, link: counting, journal, batchSize: 10 }).flush();
  assert.deepEqual(
    link.uploads.map((upload) => upload.tapIds.length),
    [2, 2, 2, 2, 2],
  );
  assert.deepEqual(
    link.uploads.flatMap((upload) => upload.tapIds),
    tapIds,
  );
  await journal.close();
});

/** A journal with a tap too large for a 64 KiB transit even alone, between taps that fit. */
async function blockedJournal(): Promise<{
  journal: TapJournal;
  dir: string;
  huge: JournaledTap;
  others: string[];
  link: FakeTransit;
}> {
  const huge = journaledTap({ presentation: 'h'.repeat(100_000) });
  const taps = [journaledTap(), huge, journaledTap(), journaledTap()];
  const { journal, dir } = await journalOf(taps);
  const link = transit();
  link.maxRequestBytes = 64 * 1024;
  return { journal, dir, huge, others: taps.filter((tap) => tap !== huge).map((tap) => tap.tapId), link };
}

test('tap uploader - a tap too large even alone is set aside in the dead-letter file after N attempts, and the taps behind it go up', async () => {
  const { journal, dir, huge, others, link } = await blockedJournal();
  const events: UploadEvent[] = [];
  const uploader = new TapUploader({
    gateId,
    link,
    journal,
    deadLetterAfterAttempts: 3,
    onEvent: (event) => events.push(event),
  });
  const tooLarge = (error: unknown): boolean => isDomainError(error) && error.reason === 'MESSAGE_TOO_LARGE';
  await assert.rejects(uploader.flush(), tooLarge); // 4 taps, 2, the first alone goes up, 2 again, then the huge one alone
  await assert.rejects(uploader.flush(), tooLarge);
  assert.deepEqual([...link.held.keys()], others.slice(0, 1));
  assert.equal(uploader.pendingCount, 3);
  await uploader.flush();

  assert.deepEqual([...link.held.keys()], others);
  assert.equal(uploader.pendingCount, 0);
  assert.deepEqual(link.tooLarge.filter((refused) => refused.taps === 1).length, 3);
  const deadLettered = events.filter((event) => event.type === 'dead_lettered');
  assert.deepEqual(
    deadLettered.map(({ tapId, attempts, deadLettered: count }) => ({ tapId, attempts, count })),
    [{ tapId: huge.tapId, attempts: 3, count: 1 }],
  );
  const parsed = parseLog(await readFile(join(dir, deadLetterFileName)));
  assert.deepEqual(parsed.records, [{ tap: huge }], 'kept whole, in the journal format');
  await journal.close();
  const reopened = await TapJournal.open(dir);
  assert.equal(reopened.pendingCount, 0);
  await reopened.close();
});

test("tap uploader - a tap with a field over transit's length limit (FIELD_TOO_LONG) is split off and set aside like an oversized one", async () => {
  const long = journaledTap({ presentation: 'p'.repeat(20_000) });
  const taps = [journaledTap(), long, journaledTap()];
  const { journal, dir } = await journalOf(taps);
  const link = transit();
  link.fieldLimits = { 'taps.presentation': 16_384 };
  const events: UploadEvent[] = [];
  const uploader = new TapUploader({
    gateId,
    link,
    journal,
    deadLetterAfterAttempts: 2,
    onEvent: (event) => events.push(event),
  });
  const tooLong = (error: unknown): boolean => isDomainError(error) && error.reason === 'FIELD_TOO_LONG';
  await assert.rejects(uploader.flush(), tooLong);
  await uploader.flush();
  assert.deepEqual(
    [...link.held.keys()].sort(),
    taps
      .filter((tap) => tap !== long)
      .map((tap) => tap.tapId)
      .sort(),
  );
  assert.equal(uploader.pendingCount, 0);
  assert.deepEqual(
    events.filter((event) => event.type === 'dead_lettered').map((event) => event.tapId),
    [long.tapId],
  );
  assert.deepEqual(parseLog(await readFile(join(dir, deadLetterFileName))).records, [{ tap: long }]);
  await journal.close();
});

test('tap uploader - the background loop does not stay stuck behind a tap too large even alone', async () => {
  const { journal, dir, huge, others, link } = await blockedJournal();
  const uploader = new TapUploader({ gateId, link, journal, backoff: { initialMs: 5, maxMs: 20 } });
  uploader.start();
  await eventually(() => uploader.pendingCount === 0, 'the taps behind the huge one to be uploaded');
  await uploader.stop();
  assert.deepEqual([...link.held.keys()], others);
  assert.equal(link.tooLarge.filter((refused) => refused.taps === 1).length, 5, 'five attempts alone by default');
  assert.deepEqual(parseLog(await readFile(join(dir, deadLetterFileName))).records, [{ tap: huge }]);
  await journal.close();
});

test('tap uploader - when the dead-letter file is full the tap stays pending (GATE_DEAD_LETTER_FULL), never dropped', async () => {
  const { journal, huge, link } = await blockedJournal();
  const uploader = new TapUploader({ gateId, link, journal, deadLetterAfterAttempts: 1, maxDeadLetterBytes: 1_000 });
  await assert.rejects(uploader.flush(), (error) => isDomainError(error) && error.reason === 'GATE_DEAD_LETTER_FULL');
  assert.ok(journal.isPending(huge.tapId));
  assert.equal(uploader.pendingCount, 3);
  await journal.close();
});
