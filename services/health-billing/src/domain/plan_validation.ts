// Checks a plan schedule and reports every problem with the offending field: negative or oversized amounts,
// coinsurance above 100 %, an out-of-pocket maximum below the deductible (the plan's or a concession's), unknown
// categories, concessions and codes, versions out of order. Pure.
import { concessions, isConcession } from '@citypass/contracts';
import { isCurrencyCode } from '@citypass/platform/money';
import {
  benefitProblems,
  categoryOverrideProblems,
  categoryProblem,
  codeListProblems,
  isRecord,
  shapeProblem,
} from './benefit_validation.ts';
import { isServiceCategory, type CodeCatalogue } from './codes.ts';
import { dateProblem, isServiceDate } from './dates.ts';
import { addProblem, type FieldProblem } from './field_problems.ts';
import { healthBillingReasons } from './health_billing_reasons.ts';
import { idProblem, textProblem } from './ids.ts';
import { amountProblem } from './money.ts';
import type { PlanScheduleInput, PlanVersionInput } from './plan.ts';

export const maxPlanVersions = 100;

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
  concessionOverrideProblems(version, field, problems);
}

/** Each concession's override: a known class, an out-of-pocket maximum not below the deductible, covered categories. */
function concessionOverrideProblems(version: PlanVersionInput, field: string, problems: FieldProblem[]): void {
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
        categoryOverrideProblems(version, key, categoryOverride, `${where}.categories.${key}`, problems);
    }
  }
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

function versionsProblem(field: string, message: string): FieldProblem {
  return { reason: healthBillingReasons.PLAN_VERSIONS_INVALID, field, message };
}
