import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDomainError } from '@citypass/platform/errors';
import { TapJournal } from './tap_journal.ts';
import { TapUploader, type UploadEvent } from './tap_uploader.ts';
import { eventually, FakeTransit, gateConfigFor, journalDirectory, journaledTap, makeIssuer } from './test_support.ts';

const gateId = 'gate-7';

async function journalWith(count: number, dir?: string): Promise<{ journal: TapJournal; dir: string; tapIds: string[] }> {
  const directory = dir ?? (await journalDirectory());
  const journal = await TapJournal.open(directory);
  const taps = Array.from({ length: count }, (_, index) => journaledTap({ tappedAtMs: Date.now() + index }));
  await Promise.all(taps.map((tap) => journal.append(tap)));
  return { journal, dir: directory, tapIds: taps.map((tap) => tap.tapId) };
}

const transit = (): FakeTransit => new FakeTransit(gateConfigFor(gateId, makeIssuer()));

test('tap uploader - uploads pending taps oldest first in batches, acknowledges them, and sends each once', async () => {
  const { journal, dir, tapIds } = await journalWith(1_203);
  const link = transit();
  const uploader = new TapUploader({ gateId, link, journal, batchSize: 500 });
  await uploader.flush();

  assert.deepEqual(link.uploads.map((upload) => upload.tapIds.length), [500, 500, 203]);
  assert.deepEqual(link.uploads.flatMap((upload) => upload.tapIds), tapIds);
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

  assert.deepEqual(link.uploads.map((upload) => upload.tapIds), [tapIds, tapIds]);
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
  const uploader = new TapUploader({ gateId, link, journal, backoff: { initialMs: 20, maxMs: 160 }, onEvent: (event) => events.push(event.type) });
  uploader.start();
  await eventually(() => link.failedCallTimesMs.length >= 5, 'five failed attempts');
  assert.equal(uploader.pendingCount, 5);
  const gapsMs = link.failedCallTimesMs.slice(1, 5).map((atMs, index) => atMs - (link.failedCallTimesMs[index] ?? 0));
  // Delays are drawn from [ceiling/2, ceiling] with ceilings 20, 40, 80, 160 ms.
  assert.ok(gapsMs[0] !== undefined && gapsMs[0] < 60, `first retry after ${gapsMs[0]} ms`);
  assert.ok(gapsMs[3] !== undefined && gapsMs[3] >= 75, `fourth retry after ${gapsMs[3]} ms (gaps ${gapsMs.join(', ')})`);

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
  const silent = { getGateConfig: link.getGateConfig.bind(link), uploadTaps: () => Promise.resolve({ acceptedTapIds: ['someone-else'], rejected: [] }) };
  const uploader = new TapUploader({ gateId, link: silent, journal });
  await assert.rejects(uploader.flush(), (error) => isDomainError(error) && error.reason === 'UPLOAD_NOT_ACKNOWLEDGED');
  assert.equal(uploader.pendingCount, 2);
  await journal.close();
});
