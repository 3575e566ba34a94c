// A clinic's fee schedule: the allowed amount per code, the most the clinic may collect for it from patient and
// plan together (its contracted rate). Billing above it is written off by the clinic (CO-45). One schedule per
// clinic in force at a time; the store picks it. Pure.
import { isCurrencyCode } from '@citypass/platform/money';
import { codeProblem, type CodeCatalogue } from './codes.ts';
import { addProblem, refuseProblems, type FieldProblem } from './field_problems.ts';
import { healthBillingReasons } from './health_billing_reasons.ts';
import { idProblem } from './ids.ts';
import { amountProblem, type MinorUnits } from './money.ts';

export interface Fee {
  readonly code: string;
  /** Integer minor units of the schedule's currency. */
  readonly allowedMinor: bigint;
}

export interface FeeScheduleInput {
  readonly clinicId: string;
  /** ISO 4217; must equal the plan's and the bill's. */
  readonly currency: string;
  readonly fees: readonly Fee[];
}

/** A schedule that passed createFeeSchedule: every code in the catalogue, priced once. */
export interface FeeSchedule {
  readonly clinicId: string;
  readonly currency: string;
  readonly allowedByCode: ReadonlyMap<string, MinorUnits>;
  readonly __brand: 'FeeSchedule';
}

export const maxFees = 10_000;

export function createFeeSchedule(input: FeeScheduleInput, catalogue: CodeCatalogue): FeeSchedule {
  const problems: FieldProblem[] = [];
  addProblem(problems, idProblem(input.clinicId, 'clinicId'));
  if (!isCurrencyCode(input.currency))
    addProblem(problems, {
      reason: healthBillingReasons.CURRENCY_INVALID,
      field: 'currency',
      message: 'must be ISO 4217',
    });
  const fees: unknown = input.fees;
  if (!Array.isArray(fees) || fees.length > maxFees) {
    addProblem(problems, {
      reason: healthBillingReasons.LIST_TOO_LONG,
      field: 'fees',
      message: `must be a list of at most ${maxFees} fees`,
    });
    refuseProblems('fee schedule', problems);
  }
  const allowedByCode = new Map<string, MinorUnits>();
  input.fees.forEach((fee, index) => {
    const field = `fees[${index}]`;
    const codeIssue = codeProblem(fee.code, `${field}.code`);
    addProblem(problems, codeIssue);
    if (codeIssue === undefined && !catalogue.entries.has(fee.code))
      addProblem(problems, {
        reason: healthBillingReasons.CODE_UNKNOWN,
        field: `${field}.code`,
        message: 'is not in the catalogue',
      });
    if (allowedByCode.has(fee.code))
      addProblem(problems, {
        reason: healthBillingReasons.CODE_DUPLICATE,
        field: `${field}.code`,
        message: 'is priced twice',
      });
    addProblem(problems, amountProblem(fee.allowedMinor, `${field}.allowedMinor`));
    allowedByCode.set(fee.code, fee.allowedMinor as MinorUnits);
  });
  refuseProblems('fee schedule', problems);
  const schedule: Omit<FeeSchedule, '__brand'> = { clinicId: input.clinicId, currency: input.currency, allowedByCode };
  return schedule as FeeSchedule;
}
