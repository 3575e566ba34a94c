// What the engine needs besides the lines, read from the store: the plan's schedule, the clinic's fee schedule in
// the plan's currency, the member's accumulators as the domain counts them, and the coverage the credential shows.
import { healthBillingReasons, type Concession } from '@citypass/contracts';
import { failedPrecondition } from '@citypass/platform/errors';
import { minorUnits } from '@citypass/platform/money';
import type { Accumulators } from '../domain/accumulators.ts';
import { byCategory, type ServiceCategory } from '../domain/codes.ts';
import type { Coverage } from '../domain/coverage.ts';
import { createFeeSchedule, type FeeSchedule } from '../domain/fee_schedule.ts';
import type { PlanSchedule } from '../domain/plan.ts';
import type { CatalogueCache } from './catalogue.ts';
import { scheduleOf } from './put_plan.ts';
import type { AccumulatorTotals, HealthBillingStore, PlanVersionRecord } from './store.ts';

export async function planSchedule(
  store: HealthBillingStore,
  catalogue: CatalogueCache,
  planId: string,
): Promise<{ schedule: PlanSchedule; versions: PlanVersionRecord[] }> {
  const versions = await store.plans.versions(planId);
  if (versions.length === 0)
    throw failedPrecondition(healthBillingReasons.COVERAGE_NOT_FOUND, "the credential's plan is not known");
  return { schedule: scheduleOf(versions, catalogue), versions };
}

export async function feeScheduleOf(
  store: HealthBillingStore,
  catalogue: CatalogueCache,
  clinic: string,
  currency: string,
): Promise<FeeSchedule> {
  const allowed = await store.feeSchedules.of(clinic, currency);
  if (allowed.size === 0)
    throw failedPrecondition(
      healthBillingReasons.FEE_SCHEDULE_MISSING,
      "the clinic has no fee schedule in the plan's currency",
    );
  return createFeeSchedule(
    { clinicId: clinic, currency, fees: [...allowed].map(([code, allowedMinor]) => ({ code, allowedMinor })) },
    catalogue.current,
  );
}

export function accumulatorsOf(planYear: number, totals: AccumulatorTotals): Accumulators {
  const visits = byCategory(0);
  const planPaid = byCategory(minorUnits(0n));
  for (const [category, count] of totals.visitsByCategory) visits[category as ServiceCategory] = count;
  for (const [category, amount] of totals.planPaidByCategory)
    planPaid[category as ServiceCategory] = minorUnits(amount);
  return {
    planYear,
    deductibleMetMinor: minorUnits(totals.deductibleMinor),
    outOfPocketMetMinor: minorUnits(totals.outOfPocketMinor),
    visitsByCategory: visits,
    planPaidByCategoryMinor: planPaid,
  };
}

/** The credential carries no coverage dates: a member is covered while their credential names the plan. */
export function coverageOf(patientId: string, concession: string): Coverage {
  return { memberId: patientId, concession: concession as Concession, startsOn: '1900-01-01' };
}
