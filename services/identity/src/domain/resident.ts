// What makes a resident record valid. Pure: no I/O.
import { invalidArgument } from '@citypass/platform/errors';
import { checkText } from '@citypass/platform/text';

import type { Concession } from '@citypass/contracts';
import { identityReasons } from '@citypass/contracts';

export type ConcessionClass = Concession;

export interface NewResident {
  readonly givenName: string;
  readonly familyName: string;
  /** YYYY-MM-DD */
  readonly birthDate: string;
  readonly concessionClass: ConcessionClass;
  readonly coveragePlanRef: string;
}

export function validateNewResident(input: NewResident, today: Date): NewResident {
  const givenName = input.givenName.trim();
  const familyName = input.familyName.trim();
  checkText(givenName, 'given_name', 100, { required: true });
  checkText(familyName, 'family_name', 100, { required: true });
  if (!isPastCalendarDate(input.birthDate, today)) {
    throw invalidArgument(identityReasons.BIRTH_DATE_INVALID, 'birth date must be a real past date written YYYY-MM-DD');
  }
  if (!/^[A-Za-z0-9._:-]{0,64}$/.test(input.coveragePlanRef)) {
    throw invalidArgument(
      identityReasons.COVERAGE_PLAN_REF_INVALID,
      'coverage plan reference must be up to 64 of [A-Za-z0-9._:-]',
    );
  }
  return { ...input, givenName, familyName };
}

function isPastCalendarDate(text: string, today: Date): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return (
    !Number.isNaN(date.getTime()) &&
    date.toISOString().startsWith(text) &&
    date <= today &&
    date.getUTCFullYear() >= 1900
  );
}
