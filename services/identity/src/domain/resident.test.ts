import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '@citypass/platform/errors';
import { validateNewResident, type NewResident } from './resident.ts';

const today = new Date('2026-11-25T12:00:00Z');
const base: NewResident = {
  givenName: 'Ada',
  familyName: 'Lovelace',
  birthDate: '1990-12-10',
  concessionClass: 'adult',
  coveragePlanRef: 'plan-basic',
};
const reasonOf = (input: NewResident): string | undefined => {
  try {
    validateNewResident(input, today);
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.reason : 'not a DomainError';
  }
};

test('resident - a complete record is accepted and names are trimmed', () => {
  assert.equal(validateNewResident({ ...base, givenName: '  Ada ' }, today).givenName, 'Ada');
});

test('resident - birth dates must be real past calendar dates', () => {
  assert.equal(reasonOf({ ...base, birthDate: '2026-11-25' }), undefined);
  for (const birthDate of ['2026-11-26', '1990-02-30', '1990-2-3', '10/12/1990', '1899-12-31', '']) {
    assert.equal(reasonOf({ ...base, birthDate }), 'BIRTH_DATE_INVALID', birthDate);
  }
});

test('resident - names and plan references are bounded', () => {
  assert.equal(reasonOf({ ...base, givenName: ' ' }), 'GIVEN_NAME_INVALID');
  assert.equal(reasonOf({ ...base, familyName: 'x'.repeat(101) }), 'FAMILY_NAME_INVALID');
  assert.equal(reasonOf({ ...base, coveragePlanRef: 'plan basic' }), 'COVERAGE_PLAN_REF_INVALID');
  assert.equal(reasonOf({ ...base, coveragePlanRef: '' }), undefined);
});

test('resident - names with a NUL character are refused (PostgreSQL text cannot hold one)', () => {
  assert.equal(reasonOf({ ...base, givenName: 'A\u0000da' }), 'GIVEN_NAME_INVALID');
  assert.equal(reasonOf({ ...base, familyName: 'Love\u0000lace' }), 'FAMILY_NAME_INVALID');
});
