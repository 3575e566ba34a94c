import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCodeCatalogue, isCode, serviceCategories, type CodeEntry } from './codes.ts';
import { sampleCatalogue } from './sample.ts';
import { refusal, refusalMessage } from './testing/fixtures.ts';

const entry: CodeEntry = { code: 'GP-101', category: 'gp_visit', description: 'General practice consultation' };
const catalogue = (entries: readonly CodeEntry[]): string => refusal(() => createCodeCatalogue(entries));

test('codes - a code is 2-16 capital letters, digits, dots or dashes', () => {
  for (const code of ['GP-101', 'DN-1001', 'A1', '99213', 'Z00.00', 'ABCDEFGHIJKLMNOP']) assert.ok(isCode(code), code);
  for (const code of ['', 'A', 'gp-101', '-GP', 'GP 101', 'ABCDEFGHIJKLMNOPQ', 'GP_101'])
    assert.ok(!isCode(code), code);
});

test('codes - a catalogue refuses bad codes, unknown categories, bad descriptions and duplicates', () => {
  assert.equal(catalogue([entry]), 'ok');
  assert.equal(catalogue([{ ...entry, code: 'gp' }]), 'invalid_argument:CODE_INVALID');
  assert.equal(
    catalogue([{ ...entry, category: 'surgery' as CodeEntry['category'] }]),
    'invalid_argument:CATEGORY_UNKNOWN',
  );
  assert.equal(catalogue([{ ...entry, description: '' }]), 'invalid_argument:TEXT_INVALID');
  assert.equal(catalogue([{ ...entry, description: 'x'.repeat(201) }]), 'invalid_argument:TEXT_INVALID');
  assert.equal(catalogue([entry, { ...entry, description: 'Again' }]), 'invalid_argument:CODE_DUPLICATE');
  assert.equal(catalogue(Array.from({ length: 10_001 }, () => entry)), 'invalid_argument:LIST_TOO_LONG');
});

test('codes - every problem is reported at once, each with its field', () => {
  const message = refusalMessage(() =>
    createCodeCatalogue([entry, { ...entry, code: 'x' }, { ...entry, code: 'LB-1', description: '' }]),
  );
  assert.match(message, /entries\[1\]\.code/);
  assert.match(message, /entries\[2\]\.description/);
});

test('codes - the sample catalogue has 22 codes and every category', () => {
  assert.equal(sampleCatalogue.entries.size, 22);
  const categories = new Set([...sampleCatalogue.entries.values()].map((code) => code.category));
  assert.deepEqual([...categories].sort(), [...serviceCategories].sort());
});
