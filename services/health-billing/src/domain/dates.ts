// Service dates and plan years. A service date is the local calendar date a service was given, written YYYY-MM-DD;
// such strings compare as dates (`<`, `>`), so the engine never converts them. The plan year is the calendar year
// of the service date (January 1 to December 31): deductibles, out-of-pocket maxima, visit limits and category
// caps all count per plan year. Pure.
import type { FieldProblem } from './field_problems.ts';
import { healthBillingReasons } from './health_billing_reasons.ts';

/** YYYY-MM-DD, a real calendar date, years 1900-2999. */
export type ServiceDate = string;

const daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const zero = 48;

function digitAt(text: string, index: number): number {
  const digit = text.charCodeAt(index) - zero;
  return digit >= 0 && digit <= 9 ? digit : -100_000;
}

/** Whether `value` is a service date: checked with character arithmetic, as the engine does it for every line. */
export function isServiceDate(value: unknown): value is ServiceDate {
  if (typeof value !== 'string' || value.length !== 10 || value[4] !== '-' || value[7] !== '-') return false;
  const year = digitAt(value, 0) * 1000 + digitAt(value, 1) * 100 + digitAt(value, 2) * 10 + digitAt(value, 3);
  const month = digitAt(value, 5) * 10 + digitAt(value, 6);
  const day = digitAt(value, 8) * 10 + digitAt(value, 9);
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const limit = month === 2 && !leap ? 28 : (daysInMonth[month - 1] ?? 0);
  return day <= limit;
}

/** The plan year of a service date: its calendar year. */
export function planYearOf(date: ServiceDate): number {
  return digitAt(date, 0) * 1000 + digitAt(date, 1) * 100 + digitAt(date, 2) * 10 + digitAt(date, 3);
}

/** Whether a number is a plan year the engine accepts (the years a service date may have). */
export function isPlanYear(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1900 && value <= 2999;
}

export function dateProblem(value: unknown, field: string): FieldProblem | undefined {
  if (isServiceDate(value)) return undefined;
  return { reason: healthBillingReasons.DATE_INVALID, field, message: 'must be a date YYYY-MM-DD (1900-2999)' };
}
