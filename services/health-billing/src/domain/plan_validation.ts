// Checks a plan schedule and reports every problem with the offending field: negative or oversized amounts,
// coinsurance above 100 %, an out-of-pocket maximum below the deductible (the plan's or a concession's), unknown
// categories, concessions and codes, versions out of order. Pure.
import { concessions, isConcession } from '@citypass/contracts';
import { isCurrencyCode } from '@citypass/platform/money';
import {
  codeProblem,
  isServiceCategory,
  serviceCategories,
  type CodeCatalogue,
  type ServiceCategory,
} from './codes.ts';
import { dateProblem, isServiceDate } from './dates.ts';
import { addProblem, type FieldProblem } from './field_problems.ts';
import { healthBillingReasons } from './health_billing_reasons.ts';
import { idProblem, textProblem } from './ids.ts';
import { amountProblem } from './money.ts';
import type { CategoryBenefitInput, CategoryOverrideInput, PlanScheduleInput, PlanVersionInput } from './plan.ts';

export const maxPlanVersions = 100;
export const maxListedCodes = 1_000;
export const maxVisitLimit = 10_000;
export const maxBasisPoints = 10_000;

export function planScheduleProblems(input: PlanScheduleInput, catalogue: CodeCatalogue): FieldProblem[] {
  const problems: FieldProblem[] = [];
  addProblem(problems, idProblem(input.planId, 'planId'));
  addProblem(problems, textProblem(input.name, 'name'));
  if (!isCurrencyCode(input.currency))
    addProblem(problems, {
      reason: healthBillingReasons.CURRENCY_INVALID,
      field: 'currency',
      message: 'must be ISO 4217',
    });
  const versions: unknown = input.versions;
  if (!Array.isArray(versions) || versions.length === 0 || versions.length > maxPlanVersions) {
    const message = `must be a list of 1-${maxPlanVersions} versions`;
    addProblem(problems, { reason: healthBillingReasons.PLAN_VERSIONS_INVALID, field: 'versions', message });
    return problems;
  }
  let previous: PlanVersionInput | undefined;
  input.versions.forEach((version, index) => {
    const field = `versions[${index}]`;
    if (!isRecord(version)) {
      addProblem(problems, shapeProblem(field));
      return;
    }
    if (!Number.isSafeInteger(version.version) || version.version < 1)
      addProblem(problems, versionsProblem(`${field}.version`, 'must be a positive integer'));
    addProblem(problems, dateProblem(version.effectiveFrom, `${field}.effectiveFrom`));
    if (
      previous !== undefined &&
      isServiceDate(version.effectiveFrom) &&
      (version.version <= previous.version || version.effectiveFrom <= previous.effectiveFrom)
    )
      addProblem(
        problems,
        versionsProblem(field, 'must have a higher version and a later effectiveFrom than the one before'),
      );
    versionProblems(version, field, catalogue, problems);
    previous = version;
  });
  return problems;
}

function versionProblems(
  version: PlanVersionInput,
  field: string,
  catalogue: CodeCatalogue,
  problems: FieldProblem[],
): void {
  addProblem(problems, amountProblem(version.deductibleMinor, `${field}.deductibleMinor`));
  addProblem(problems, amountProblem(version.outOfPocketMaxMinor, `${field}.outOfPocketMaxMinor`));
  addProblem(problems, outOfPocketProblem(version, version.outOfPocketMaxMinor, `${field}.outOfPocketMaxMinor`));
  if (!isRecord(version.categories)) {
    addProblem(problems, shapeProblem(`${field}.categories`));
    return;
  }
  for (const [key, benefit] of Object.entries(version.categories)) {
    const where = `${field}.categories.${key}`;
    if (!isServiceCategory(key)) addProblem(problems, categoryProblem(where));
    else if (!isRecord(benefit)) addProblem(problems, shapeProblem(where));
    else benefitProblems(benefit, key, where, catalogue, problems);
  }
  codeListProblems(version.excludedCodes ?? [], undefined, `${field}.excludedCodes`, catalogue, problems);
  for (const [concession, override] of Object.entries(version.concessionOverrides ?? {})) {
    const where = `${field}.concessionOverrides.${concession}`;
    if (!isConcession(concession))
      addProblem(problems, {
        reason: healthBillingReasons.CONCESSION_UNKNOWN,
        field: where,
        message: `must be one of ${concessions.join(', ')}`,
      });
    else if (!isRecord(override)) addProblem(problems, shapeProblem(where));
    else {
      if (override.outOfPocketMaxMinor !== undefined) {
        addProblem(problems, amountProblem(override.outOfPocketMaxMinor, `${where}.outOfPocketMaxMinor`));
        addProblem(problems, outOfPocketProblem(version, override.outOfPocketMaxMinor, `${where}.outOfPocketMaxMinor`));
      }
      for (const [key, categoryOverride] of Object.entries(override.categories ?? {}))
        overrideProblems(version, key, categoryOverride, `${where}.categories.${key}`, problems);
    }
  }
}

function benefitProblems(
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

function overrideProblems(
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
function codeListProblems(
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

function outOfPocketProblem(version: PlanVersionInput, maxMinor: unknown, field: string): FieldProblem | undefined {
  const deductible: unknown = version.deductibleMinor;
  if (typeof maxMinor !== 'bigint' || typeof deductible !== 'bigint' || maxMinor >= deductible) return undefined;
  return {
    reason: healthBillingReasons.OUT_OF_POCKET_MAX_BELOW_DEDUCTIBLE,
    field,
    message: 'must not be below the deductible',
  };
}

function basisPointsProblem(value: unknown, field: string): FieldProblem | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= maxBasisPoints) return undefined;
  return {
    reason: healthBillingReasons.COINSURANCE_INVALID,
    field,
    message: `must be whole basis points from 0 to ${maxBasisPoints}`,
  };
}

function categoryProblem(field: string): FieldProblem {
  const message = `is not a service category (${serviceCategories.join(', ')})`;
  return { reason: healthBillingReasons.CATEGORY_UNKNOWN, field, message };
}

function versionsProblem(field: string, message: string): FieldProblem {
  return { reason: healthBillingReasons.PLAN_VERSIONS_INVALID, field, message };
}

function isRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function shapeProblem(field: string): FieldProblem {
  return { reason: healthBillingReasons.PLAN_INVALID, field, message: 'must be an object' };
}
