// Checks one service category's benefit in a plan version, a concession's change to it, and the code lists a plan
// names (pre-authorization codes, excluded codes), adding each problem with its field. Pure.
import {
  codeProblem,
  isServiceCategory,
  serviceCategories,
  type CodeCatalogue,
  type ServiceCategory,
} from './codes.ts';
import { addProblem, type FieldProblem } from './field_problems.ts';
import { healthBillingReasons } from './health_billing_reasons.ts';
import { amountProblem } from './money.ts';
import type { CategoryBenefitInput, CategoryOverrideInput, PlanVersionInput } from './plan.ts';

export const maxListedCodes = 1_000;
export const maxVisitLimit = 10_000;
export const maxBasisPoints = 10_000;

/** A covered category's benefit: amounts, deductible flag, coinsurance, visit limit, pre-authorization codes. */
export function benefitProblems(
  benefit: CategoryBenefitInput,
  category: ServiceCategory,
  field: string,
  catalogue: CodeCatalogue,
  problems: FieldProblem[],
): void {
  addProblem(problems, amountProblem(benefit.copayMinor, `${field}.copayMinor`));
  if (typeof benefit.deductibleApplies !== 'boolean')
    addProblem(problems, {
      reason: healthBillingReasons.BENEFIT_INVALID,
      field: `${field}.deductibleApplies`,
      message: 'must be a boolean',
    });
  addProblem(problems, basisPointsProblem(benefit.coinsuranceBasisPoints, `${field}.coinsuranceBasisPoints`));
  const limit = benefit.yearlyVisitLimit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0 || limit > maxVisitLimit))
    addProblem(problems, {
      reason: healthBillingReasons.VISIT_LIMIT_INVALID,
      field: `${field}.yearlyVisitLimit`,
      message: `must be a whole number from 0 to ${maxVisitLimit}`,
    });
  if (benefit.yearlyPlanPaidCapMinor !== undefined)
    addProblem(problems, amountProblem(benefit.yearlyPlanPaidCapMinor, `${field}.yearlyPlanPaidCapMinor`));
  if (benefit.preauthorizationAboveMinor !== undefined)
    addProblem(problems, amountProblem(benefit.preauthorizationAboveMinor, `${field}.preauthorizationAboveMinor`));
  codeListProblems(
    benefit.preauthorizationCodes ?? [],
    category,
    `${field}.preauthorizationCodes`,
    catalogue,
    problems,
  );
}

/** A concession's change to one category, which the version must cover. */
export function categoryOverrideProblems(
  version: PlanVersionInput,
  key: string,
  override: CategoryOverrideInput | undefined,
  field: string,
  problems: FieldProblem[],
): void {
  if (!isServiceCategory(key)) {
    addProblem(problems, categoryProblem(field));
    return;
  }
  if (version.categories[key] === undefined) {
    const message = 'overrides a category the version does not cover';
    addProblem(problems, { reason: healthBillingReasons.OVERRIDE_CATEGORY_NOT_COVERED, field, message });
    return;
  }
  if (override?.copayMinor !== undefined)
    addProblem(problems, amountProblem(override.copayMinor, `${field}.copayMinor`));
  if (override?.coinsuranceBasisPoints !== undefined)
    addProblem(problems, basisPointsProblem(override.coinsuranceBasisPoints, `${field}.coinsuranceBasisPoints`));
}

/** Codes known to the catalogue, listed once, and (for a category's list) of that category. */
export function codeListProblems(
  codes: readonly string[],
  category: ServiceCategory | undefined,
  field: string,
  catalogue: CodeCatalogue,
  problems: FieldProblem[],
): void {
  const list: unknown = codes;
  if (!Array.isArray(list) || list.length > maxListedCodes) {
    const message = `must be a list of at most ${maxListedCodes} codes`;
    addProblem(problems, { reason: healthBillingReasons.LIST_TOO_LONG, field, message });
    return;
  }
  const seen = new Set<string>();
  codes.forEach((code, index) => {
    const where = `${field}[${index}]`;
    const invalid = codeProblem(code, where);
    const entry = catalogue.entries.get(code);
    if (invalid !== undefined) addProblem(problems, invalid);
    else if (entry === undefined)
      addProblem(problems, {
        reason: healthBillingReasons.CODE_UNKNOWN,
        field: where,
        message: 'is not in the catalogue',
      });
    else if (category !== undefined && entry.category !== category)
      addProblem(problems, {
        reason: healthBillingReasons.CODE_CATEGORY_MISMATCH,
        field: where,
        message: `is not a ${category} code`,
      });
    if (seen.has(code))
      addProblem(problems, { reason: healthBillingReasons.CODE_DUPLICATE, field: where, message: 'is listed twice' });
    seen.add(code);
  });
}

function basisPointsProblem(value: unknown, field: string): FieldProblem | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= maxBasisPoints) return undefined;
  return {
    reason: healthBillingReasons.COINSURANCE_INVALID,
    field,
    message: `must be whole basis points from 0 to ${maxBasisPoints}`,
  };
}

export function categoryProblem(field: string): FieldProblem {
  const message = `is not a service category (${serviceCategories.join(', ')})`;
  return { reason: healthBillingReasons.CATEGORY_UNKNOWN, field, message };
}

export function isRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

export function shapeProblem(field: string): FieldProblem {
  return { reason: healthBillingReasons.PLAN_INVALID, field, message: 'must be an object' };
}
