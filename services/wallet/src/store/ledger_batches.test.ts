import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonLinesOf } from './ledger_batches.ts';

test('JSON lines - one line per item in order, an empty one for none, null when none has one', () => {
  const reasons = JSON.stringify([{ explanation: 'a "quoted"\nline break and C:\\ a backslash' }]);
  assert.equal(jsonLinesOf([null, reasons, '{}', null]), `\n${reasons}\n{}\n`);
  assert.equal(jsonLinesOf([reasons]), reasons);
  assert.equal(jsonLinesOf([null, null]), null);
  // What the database splits back: as many lines as items, each the text given.
  assert.deepEqual(jsonLinesOf([null, reasons, null])?.split('\n'), ['', reasons, '']);
});

test('JSON lines - a text with a line break, an empty text or a non-text is refused, not split', () => {
  for (const bad of ['{\n}', '', 7n, Buffer.from('{}')])
    assert.throws(() => jsonLinesOf(['{}', bad]), /a JSON line is a JSON text without a line break/);
});
