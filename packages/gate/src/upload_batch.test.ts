import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UploadTapsRequest } from '@citypass/proto/transit/v1/transit';
import { uploadBatchOf } from './upload_batch.ts';
import { journaledTap } from './test_support.ts';

const encodedBytes = (request: UploadTapsRequest): number => UploadTapsRequest.encode(request).finish().length;

test("upload batch - its size is the encoded request's, exactly, across varint length boundaries", () => {
  // Presentations around 127 and 16,383 bytes: where a tap's length prefix grows by a byte.
  const taps = [0, 60, 100, 127, 128, 16_300, 16_383, 16_400, 3_500].map((length) =>
    journaledTap({ presentation: 'p'.repeat(length) }),
  );
  for (let count = 0; count <= taps.length; count++) {
    const batch = uploadBatchOf('gate-7', taps.slice(0, count), Number.POSITIVE_INFINITY);
    assert.equal(batch.taps.length, count);
    assert.equal(batch.requestBytes, encodedBytes(batch.request), `${count} taps`);
  }
});

test('upload batch - it stops before the tap that would go over maxBytes, and the request at the limit is kept', () => {
  const taps = Array.from({ length: 10 }, () => journaledTap({ presentation: 'p'.repeat(1_000) }));
  const three = uploadBatchOf('gate-7', taps.slice(0, 3), Number.POSITIVE_INFINITY).requestBytes;
  assert.equal(uploadBatchOf('gate-7', taps, three).taps.length, 3);
  assert.equal(uploadBatchOf('gate-7', taps, three - 1).taps.length, 2);
  assert.deepEqual(uploadBatchOf('gate-7', taps, three).taps, taps.slice(0, 3));
});

test('upload batch - one tap larger than maxBytes still goes, alone', () => {
  const taps = [journaledTap({ presentation: 'p'.repeat(5_000) }), journaledTap()];
  const batch = uploadBatchOf('gate-7', taps, 1_000);
  assert.deepEqual(batch.taps, taps.slice(0, 1));
  assert.ok(batch.requestBytes > 5_000);
});
