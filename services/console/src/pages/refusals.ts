// A service's refusal shown where the operator can act on it: next to the field its reason is about, else at the
// top of the form. Only DomainErrors with a stable reason are shown; anything else is the generic error page.
import { isDomainError, type DomainError } from '@citypass/platform/errors';
import type { FieldError } from './layout.ts';

/** Which form field each reason is about. */
const fieldOfReason: Readonly<Record<string, string>> = {
  SERVICE_NAME_INVALID: 'name',
  SERVICE_NAME_RESERVED: 'name',
  SERVICE_EXISTS: 'name',
  DISPLAY_NAME_INVALID: 'display_name',
  CONTACT_EMAIL_INVALID: 'contact_email',
  SCOPE_INVALID: 'scopes',
  GIVEN_NAME_INVALID: 'given_name',
  FAMILY_NAME_INVALID: 'family_name',
  BIRTH_DATE_INVALID: 'birth_date',
  CONCESSION_CLASS_INVALID: 'concession',
  COVERAGE_PLAN_REF_INVALID: 'coverage_plan_ref',
  REASON_TOO_LONG: 'reason',
  REASON_INVALID: 'reason',
  REASON_REQUIRED: 'reason',
  FIELD_TOO_LONG: 'form',
  SUBJECT_ID_INVALID: 'subject',
  ACTION_INVALID: 'action',
  RESIDENT_ID_INVALID: 'resident_id',
};

/** Refusals a person can fix in the form (not sign-in or permission problems, which have their own pages). */
export function isFormRefusal(error: unknown): error is DomainError {
  return (
    isDomainError(error) &&
    (error.kind === 'invalid_argument' ||
      error.kind === 'already_exists' ||
      error.kind === 'failed_precondition' ||
      error.kind === 'not_found')
  );
}

export function fieldErrors(error: DomainError): Record<string, FieldError> {
  return { [fieldOfReason[error.reason] ?? 'form']: { message: error.message, reason: error.reason } };
}
