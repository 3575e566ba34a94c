// A member's coverage under a plan: who, which concession class their credential carries (it picks the plan's
// terms), and the service dates it covers. A line outside them is not covered (PR-96). Pure.
import { concessions, isConcession, type Concession } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';
import { isServiceDate, type ServiceDate } from './dates.ts';
import { healthBillingReasons } from './health_billing_reasons.ts';
import { isId } from './ids.ts';

export interface Coverage {
  readonly memberId: string;
  readonly concession: Concession;
  /** The first service date covered. */
  readonly startsOn: ServiceDate;
  /** The last service date covered (inclusive); absent while the coverage runs on. */
  readonly endsOn?: ServiceDate;
}

export function checkCoverage(coverage: Coverage): void {
  const invalid = (field: string, message: string): Error =>
    invalidArgument(healthBillingReasons.COVERAGE_INVALID, `coverage.${field} ${message}`);
  if (!isId(coverage.memberId)) throw invalid('memberId', 'must be 1-64 printable ASCII characters');
  if (!isConcession(coverage.concession))
    throw invalidArgument(
      healthBillingReasons.CONCESSION_UNKNOWN,
      `coverage.concession must be one of ${concessions.join(', ')}`,
    );
  if (!isServiceDate(coverage.startsOn)) throw invalid('startsOn', 'must be a date YYYY-MM-DD');
  if (coverage.endsOn !== undefined && (!isServiceDate(coverage.endsOn) || coverage.endsOn < coverage.startsOn))
    throw invalid('endsOn', 'must be a date YYYY-MM-DD, not before startsOn');
}

export function coversDate(coverage: Coverage, date: ServiceDate): boolean {
  return date >= coverage.startsOn && (coverage.endsOn === undefined || date <= coverage.endsOn);
}
