// A service's refusal shown where the operator can act on it: next to the field its reason is about, else at the
// top of the form. Only DomainErrors with a stable reason are shown; anything else is the generic error page.
import { transitReasons, walletReasons } from '@citypass/contracts';
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
  // transit's gates
  [transitReasons.CLIENT_ID_INVALID]: 'client_id',
  [transitReasons.GATE_IDS_INVALID]: 'gate_ids',
  [transitReasons.GATE_UNKNOWN]: 'gate_ids',
  [transitReasons.GATE_SEARCH_INVALID]: 'search',
  // transit's fare rules: the date, the numbers of minutes, the zone fares, and the caps and maximum fares
  [transitReasons.EFFECTIVE_DATE_NOT_FUTURE]: 'effective_from',
  [transitReasons.EFFECTIVE_DATE_TAKEN]: 'effective_from',
  [transitReasons.SERVICE_DATE_INVALID]: 'effective_from',
  [transitReasons.FARE_RULES_ORDER_INVALID]: 'effective_from',
  [transitReasons.TRANSFER_WINDOW_INVALID]: 'transfer_window_minutes',
  [transitReasons.MAX_JOURNEY_INVALID]: 'max_journey_minutes',
  [transitReasons.WEEKLY_CAP_PERIOD_INVALID]: 'weekly_cap_period',
  [transitReasons.FARE_MISSING]: 'zone_fares',
  [transitReasons.FARE_NEGATIVE]: 'zone_fares',
  [transitReasons.FARE_TOO_LARGE]: 'zone_fares',
  [transitReasons.FARE_DUPLICATE]: 'zone_fares',
  [transitReasons.FARE_ZONE_INVALID]: 'zone_fares',
  [transitReasons.FARE_TABLE_TOO_LARGE]: 'zone_fares',
  [transitReasons.FARE_AMOUNTS_MISSING]: 'caps',
  [transitReasons.CAP_MISSING]: 'caps',
  [transitReasons.CAP_NEGATIVE]: 'caps',
  [transitReasons.CAP_TOO_LARGE]: 'caps',
  [transitReasons.CAP_DAILY_ABOVE_WEEKLY]: 'caps',
  [transitReasons.MAX_FARE_MISSING]: 'caps',
  [transitReasons.MAX_FARE_NEGATIVE]: 'caps',
  [transitReasons.MAX_FARE_TOO_LARGE]: 'caps',
  [transitReasons.MAX_FARE_BELOW_FARE]: 'caps',
  [transitReasons.UNMATCHED_EXIT_FARE_MISSING]: 'caps',
  [transitReasons.UNMATCHED_EXIT_FARE_NEGATIVE]: 'caps',
  [transitReasons.UNMATCHED_EXIT_FARE_TOO_LARGE]: 'caps',
  // the wallet's refunds (the console's refund form)
  [walletReasons.REFUND_EXCEEDS_CAPTURED]: 'amount',
  [walletReasons.HOLD_NOT_CAPTURED]: 'amount',
  [walletReasons.AMOUNT_NOT_POSITIVE]: 'amount',
  SERVICE_INVALID: 'service',
  MERCHANT_ACCOUNT_NOT_FOUND: 'service',
  CURRENCY_UNSUPPORTED: 'currency',
  DATE_INVALID: 'date',
  SEARCH_INVALID: 'search',
  PAGE_TOKEN_INVALID: 'search',
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
