import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addProblem, maxFieldProblems, problemsError, refuseProblems, type FieldProblem } from './field_problems.ts';
import { refusal } from './testing/fixtures.ts';

const problem = (field: string): FieldProblem => ({ reason: 'AMOUNT_INVALID', field, message: 'must be >= 0' });

test('field problems - the error has the first reason and names every field', () => {
  const error = problemsError('fee schedule', [
    problem('fees[0].allowedMinor'),
    { ...problem('currency'), reason: 'CURRENCY_INVALID' },
  ]);
  assert.equal(error.kind, 'invalid_argument');
  assert.equal(error.reason, 'AMOUNT_INVALID');
  assert.equal(error.message, 'fee schedule: fees[0].allowedMinor must be >= 0; currency must be >= 0');
  assert.equal(
    refusal(() => {
      refuseProblems('plan', []);
    }),
    'ok',
  );
});

test('field problems - at most 20 are collected, and the message stays bounded', () => {
  const problems: FieldProblem[] = [];
  for (let index = 0; index < 100; index += 1) addProblem(problems, problem(`fees[${index}].${'x'.repeat(40)}`));
  addProblem(problems, undefined);
  assert.equal(problems.length, maxFieldProblems);
  assert.ok(problemsError('fee schedule', problems).message.length <= 512);
});
