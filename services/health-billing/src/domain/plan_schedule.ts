// A plan schedule: the plan's versions, each effective from a service date (like transit's fare rules). The only
// way to obtain a PlanSchedule, which the engine requires, and the lookup of the version in force on a date. Pure.
import type { CodeCatalogue } from './codes.ts';
import type { ServiceDate } from './dates.ts';
import { refuseProblems } from './field_problems.ts';
import type { PlanSchedule, PlanScheduleInput, PlanVersion } from './plan.ts';
import { resolvePlanTerms } from './plan_terms.ts';
import { planScheduleProblems } from './plan_validation.ts';

/** Checks every version against the catalogue (INVALID_ARGUMENT naming every offending field), then resolves it. */
export function createPlanSchedule(input: PlanScheduleInput, catalogue: CodeCatalogue): PlanSchedule {
  refuseProblems('plan schedule', planScheduleProblems(input, catalogue));
  const versions: PlanVersion[] = input.versions.map((version) => ({ ...version, terms: resolvePlanTerms(version) }));
  const schedule: Omit<PlanSchedule, '__brand'> = {
    planId: input.planId,
    name: input.name,
    currency: input.currency,
    versions,
  };
  return schedule as PlanSchedule;
}

/** The version in force on a service date: the last one effective on or before it; undefined before the first. */
export function planVersionOn(schedule: PlanSchedule, date: ServiceDate): PlanVersion | undefined {
  let found: PlanVersion | undefined;
  for (const version of schedule.versions) {
    if (version.effectiveFrom > date) break;
    found = version;
  }
  return found;
}
