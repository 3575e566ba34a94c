// What a validation found wrong, field by field: plans, catalogues and fee schedules report every problem at once
// (like platform's config schema), and the DomainError thrown for them carries the first problem's reason and a
// message naming each offending field. Messages name fields and limits, never the values. Pure.
import { boundedMessage, invalidArgument, type DomainError } from '@citypass/platform/errors';
import type { HealthBillingReason } from './health_billing_reasons.ts';

export interface FieldProblem {
  readonly reason: HealthBillingReason;
  /** The offending field's path in the input, e.g. `versions[0].categories.imaging.coinsuranceBasisPoints`. */
  readonly field: string;
  readonly message: string;
}

/** Validation stops collecting after this many problems: the list itself is bounded. */
export const maxFieldProblems = 20;

/** Adds a problem (if any) unless the list is full. */
export function addProblem(problems: FieldProblem[], problem: FieldProblem | undefined): void {
  if (problem !== undefined && problems.length < maxFieldProblems) problems.push(problem);
}

/** The INVALID_ARGUMENT error for a non-empty list: the first problem's reason, every problem in the message. */
export function problemsError(what: string, problems: readonly FieldProblem[]): DomainError {
  const [first] = problems;
  if (first === undefined) throw new Error('problemsError needs at least one problem');
  const listed = problems.map((problem) => `${problem.field} ${problem.message}`).join('; ');
  return invalidArgument(first.reason, boundedMessage(`${what}: ${listed}`));
}

/** Throws problemsError when validation found anything. */
export function refuseProblems(what: string, problems: readonly FieldProblem[]): void {
  if (problems.length > 0) throw problemsError(what, problems);
}
