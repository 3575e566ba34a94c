// Ids and free text in health billing: what a plan, clinic, member, line or pre-authorization id may be, and the
// bound on names and descriptions. Medical descriptions are catalogue text, never patient data. Pure.
import type { FieldProblem } from './field_problems.ts';
import { healthBillingReasons } from './health_billing_reasons.ts';

export const maxIdLength = 64;
export const maxTextLength = 200;
const idPattern = /^[\x21-\x7e]{1,64}$/;

/** 1-64 printable ASCII characters, no spaces. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && idPattern.test(value);
}

export function idProblem(value: unknown, field: string): FieldProblem | undefined {
  if (isId(value)) return undefined;
  return {
    reason: healthBillingReasons.ID_INVALID,
    field,
    message: `must be 1-${maxIdLength} printable ASCII characters`,
  };
}

export function textProblem(value: unknown, field: string): FieldProblem | undefined {
  if (typeof value === 'string' && value.length > 0 && value.length <= maxTextLength && !value.includes('\u0000'))
    return undefined;
  return {
    reason: healthBillingReasons.TEXT_INVALID,
    field,
    message: `must be 1-${maxTextLength} characters without NUL`,
  };
}
