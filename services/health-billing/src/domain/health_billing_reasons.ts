// Health billing's refusal reasons: the stable `reason` of every DomainError this service's domain throws, listed
// once. They will become the HealthBillingErrorReason enum of proto/citypass/health_billing/v1/errors.proto
// (HEALTH_BILLING_ERROR_REASON_<NAME>); until then code reads them from here, never as literals. Pure.

/** Each reason keyed by itself, so `healthBillingReasons.X` is the string 'X', typed as that literal. */
export const healthBillingReasons = Object.freeze({
  /** A plan version, its categories or an override is not an object. */
  PLAN_INVALID: 'PLAN_INVALID',
  /** Plan versions: 1-100, versions and effective dates strictly increasing. */
  PLAN_VERSIONS_INVALID: 'PLAN_VERSIONS_INVALID',
  /** An amount is missing, not a bigint of minor units, or negative. */
  AMOUNT_INVALID: 'AMOUNT_INVALID',
  /** An amount is above the sane bound (10^12 minor units). */
  AMOUNT_TOO_LARGE: 'AMOUNT_TOO_LARGE',
  /** Coinsurance is whole basis points from 0 to 10000. */
  COINSURANCE_INVALID: 'COINSURANCE_INVALID',
  /** A yearly visit limit is a whole number from 0 to 10000. */
  VISIT_LIMIT_INVALID: 'VISIT_LIMIT_INVALID',
  /** A category's deductibleApplies is not a boolean. */
  BENEFIT_INVALID: 'BENEFIT_INVALID',
  /** An out-of-pocket maximum (plan's or a concession's) is below the deductible. */
  OUT_OF_POCKET_MAX_BELOW_DEDUCTIBLE: 'OUT_OF_POCKET_MAX_BELOW_DEDUCTIBLE',
  /** A service category that is not one of serviceCategories. */
  CATEGORY_UNKNOWN: 'CATEGORY_UNKNOWN',
  /** A concession override for a category the plan version does not cover. */
  OVERRIDE_CATEGORY_NOT_COVERED: 'OVERRIDE_CATEGORY_NOT_COVERED',
  /** A concession class that is not adult, child, senior or student. */
  CONCESSION_UNKNOWN: 'CONCESSION_UNKNOWN',
  /** A code that is not in the code catalogue. */
  CODE_UNKNOWN: 'CODE_UNKNOWN',
  /** A code that is not 2-16 capital letters, digits, '.' or '-'. */
  CODE_INVALID: 'CODE_INVALID',
  /** A code listed twice (catalogue, fee schedule, plan list or pre-authorization). */
  CODE_DUPLICATE: 'CODE_DUPLICATE',
  /** A code listed under a category it does not belong to. */
  CODE_CATEGORY_MISMATCH: 'CODE_CATEGORY_MISMATCH',
  /** A description or name that is empty, too long or holds a NUL. */
  TEXT_INVALID: 'TEXT_INVALID',
  /** A list longer than its limit (catalogue, fees, codes, lines, pre-authorizations). */
  LIST_TOO_LONG: 'LIST_TOO_LONG',
  /** An id (plan, clinic, member, line, pre-authorization) that is not 1-64 printable ASCII characters. */
  ID_INVALID: 'ID_INVALID',
  /** A date that is not a real calendar date written YYYY-MM-DD (years 1900-2999). */
  DATE_INVALID: 'DATE_INVALID',
  /** A currency that is not an ISO 4217 code like EUR. */
  CURRENCY_INVALID: 'CURRENCY_INVALID',
  /** The bill's, the plan's and the fee schedule's currencies differ. */
  CURRENCY_MISMATCH: 'CURRENCY_MISMATCH',
  /** The clinic's fee schedule has no allowed amount for a billed code. */
  FEE_MISSING: 'FEE_MISSING',
  /** A member's coverage is malformed (dates, member id, concession). */
  COVERAGE_INVALID: 'COVERAGE_INVALID',
  /** A bill has no lines, or two lines with one id. */
  BILL_LINES_INVALID: 'BILL_LINES_INVALID',
  /** A line's service date is outside the plan year of the accumulators it is adjudicated against. */
  PLAN_YEAR_MISMATCH: 'PLAN_YEAR_MISMATCH',
  /** Accumulators with negative or non-integer values, or not for a plan year. */
  ACCUMULATORS_INVALID: 'ACCUMULATORS_INVALID',
  /** A reversal would take an accumulator below zero: it subtracts what was never added. */
  CONTRIBUTION_EXCEEDS_ACCUMULATOR: 'CONTRIBUTION_EXCEEDS_ACCUMULATOR',
  /** A pre-authorization is malformed, or two share an id. */
  PREAUTHORIZATION_INVALID: 'PREAUTHORIZATION_INVALID',
  /** A pre-authorization state change its current state does not allow. */
  PREAUTHORIZATION_STATE_INVALID: 'PREAUTHORIZATION_STATE_INVALID',
} as const);

export type HealthBillingReason = keyof typeof healthBillingReasons;
