import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outcomeOf } from '@citypass/platform/testing';
import { checkedExport, maxExportBytes } from './export_size.ts';

test('export size - up to the limit in UTF-8 bytes is served, one byte more is MESSAGE_TOO_LARGE', async () => {
  const atLimit = 'a'.repeat(maxExportBytes);
  assert.equal(checkedExport(atLimit), atLimit);
  assert.equal(
    await outcomeOf(Promise.resolve().then(() => checkedExport(`${atLimit}a`))),
    'resource_exhausted:MESSAGE_TOO_LARGE',
  );
  // Bytes, not characters: "é" is two.
  assert.equal(
    await outcomeOf(Promise.resolve().then(() => checkedExport('é'.repeat(maxExportBytes / 2 + 1)))),
    'resource_exhausted:MESSAGE_TOO_LARGE',
  );
});
