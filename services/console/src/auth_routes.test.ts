import assert from 'node:assert/strict';
import test from 'node:test';
import { safeReturn } from './auth_routes.ts';

test('safeReturn - a path on the console is kept; anything a browser would take to another origin becomes /', () => {
  assert.equal(safeReturn('/audit?subject=x'), '/audit?subject=x');
  assert.equal(safeReturn('/residents/r-1'), '/residents/r-1');
  for (const target of [
    undefined,
    '',
    'https://evil.example/',
    '//evil.example/',
    '/\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r/evil.example',
    'evil.example',
    'javascript:alert(1)',
  ])
    assert.equal(safeReturn(target), '/', JSON.stringify(target));
});
