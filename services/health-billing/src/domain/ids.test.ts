import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idProblem, isId, textProblem } from './ids.ts';

test('ids - an id is 1-64 printable ASCII characters without spaces', () => {
  for (const id of ['member-1', 'a', 'x'.repeat(64), 'clinic:north/7']) assert.ok(isId(id), id);
  for (const id of ['', 'x'.repeat(65), 'has space', 'tab\t', 'é', 42]) assert.ok(!isId(id), String(id));
  assert.equal(idProblem('', 'clinicId')?.reason, 'ID_INVALID');
});

test('ids - a name or description is 1-200 characters without NUL', () => {
  assert.equal(textProblem('MRI, one body region', 'description'), undefined);
  assert.equal(textProblem('x'.repeat(200), 'description'), undefined);
  for (const text of ['', 'x'.repeat(201), 'a\u0000b', 7])
    assert.equal(textProblem(text, 'description')?.reason, 'TEXT_INVALID');
});
