// Accumulators: what a member has used of their plan in one plan year (deductible met, out-of-pocket met, visits
// and plan-paid per category). Adjudication reads them as of now and returns, per line, its contribution: exactly
// what the line adds. Applying contributions adds them; reversing subtracts exactly the same, so a voided line
// leaves the accumulators as if it had never been adjudicated (later lines are not re-adjudicated). Pure.
import { failedPrecondition, invalidArgument } from '@citypass/platform/errors';
import { byCategory, serviceCategories, type ByCategory, type ServiceCategory } from './codes.ts';
import { isPlanYear } from './dates.ts';
import { healthBillingReasons } from './health_billing_reasons.ts';
import { maxAmountMinor, minorUnits, type MinorUnits } from './money.ts';

export interface Accumulators {
  /** The calendar year of the service dates these count (dates.ts). */
  readonly planYear: number;
  readonly deductibleMetMinor: MinorUnits;
  /** Copays, deductible and coinsurance paid toward the out-of-pocket maximum. */
  readonly outOfPocketMetMinor: MinorUnits;
  /** Lines the plan covered within the visit limit, per category. */
  readonly visitsByCategory: ByCategory<number>;
  readonly planPaidByCategoryMinor: ByCategory<MinorUnits>;
}

/** What one adjudicated line adds to its plan year's accumulators (all zero for a line the plan does not cover). */
export interface Contribution {
  readonly planYear: number;
  readonly category: ServiceCategory;
  readonly deductibleMinor: MinorUnits;
  readonly outOfPocketMinor: MinorUnits;
  /** 1 for a line counted as a visit, else 0. */
  readonly visits: number;
  readonly planPaidMinor: MinorUnits;
}

/** Visits per category and year the accumulators may hold. */
export const maxVisits = 1_000_000;

export function emptyAccumulators(planYear: number): Accumulators {
  if (!isPlanYear(planYear))
    throw invalidArgument(healthBillingReasons.ACCUMULATORS_INVALID, 'planYear must be 1900-2999');
  return {
    planYear,
    deductibleMetMinor: minorUnits(0n),
    outOfPocketMetMinor: minorUnits(0n),
    visitsByCategory: byCategory(0),
    planPaidByCategoryMinor: byCategory(minorUnits(0n)),
  };
}

/** Throws ACCUMULATORS_INVALID for a year outside 1900-2999, a missing category, a negative or oversized value. */
export function checkAccumulators(accumulators: Accumulators): void {
  const invalid = (field: string): Error =>
    invalidArgument(
      healthBillingReasons.ACCUMULATORS_INVALID,
      `accumulators.${field} is missing, negative or too large`,
    );
  if (!isPlanYear(accumulators.planYear)) throw invalid('planYear');
  if (!isAccumulatedAmount(accumulators.deductibleMetMinor)) throw invalid('deductibleMetMinor');
  if (!isAccumulatedAmount(accumulators.outOfPocketMetMinor)) throw invalid('outOfPocketMetMinor');
  const visitsTable: unknown = accumulators.visitsByCategory;
  const planPaidTable: unknown = accumulators.planPaidByCategoryMinor;
  if (typeof visitsTable !== 'object' || visitsTable === null) throw invalid('visitsByCategory');
  if (typeof planPaidTable !== 'object' || planPaidTable === null) throw invalid('planPaidByCategoryMinor');
  for (const category of serviceCategories) {
    const visits: unknown = accumulators.visitsByCategory[category];
    if (typeof visits !== 'number' || !Number.isInteger(visits) || visits < 0 || visits > maxVisits)
      throw invalid(`visitsByCategory.${category}`);
    if (!isAccumulatedAmount(accumulators.planPaidByCategoryMinor[category]))
      throw invalid(`planPaidByCategoryMinor.${category}`);
  }
}

function isAccumulatedAmount(value: unknown): boolean {
  return typeof value === 'bigint' && value >= 0n && value <= maxAmountMinor * 1_000n;
}

export function applyContributions(accumulators: Accumulators, contributions: readonly Contribution[]): Accumulators {
  return combine(accumulators, contributions, 1);
}

/** Subtracts exactly what applyContributions added; refuses to go below zero (it would undo what was never done). */
export function reverseContributions(accumulators: Accumulators, contributions: readonly Contribution[]): Accumulators {
  return combine(accumulators, contributions, -1);
}

function combine(accumulators: Accumulators, contributions: readonly Contribution[], sign: 1 | -1): Accumulators {
  const factor = BigInt(sign);
  let deductible: bigint = accumulators.deductibleMetMinor;
  let outOfPocket: bigint = accumulators.outOfPocketMetMinor;
  const visits = { ...accumulators.visitsByCategory };
  const planPaid: Record<ServiceCategory, bigint> = { ...accumulators.planPaidByCategoryMinor };
  for (const contribution of contributions) {
    if (contribution.planYear !== accumulators.planYear)
      throw failedPrecondition(
        healthBillingReasons.PLAN_YEAR_MISMATCH,
        `a contribution to plan year ${contribution.planYear} cannot change plan year ${accumulators.planYear}`,
      );
    deductible += factor * contribution.deductibleMinor;
    outOfPocket += factor * contribution.outOfPocketMinor;
    visits[contribution.category] += sign * contribution.visits;
    planPaid[contribution.category] += factor * contribution.planPaidMinor;
  }
  const negative =
    deductible < 0n ||
    outOfPocket < 0n ||
    serviceCategories.some((category) => visits[category] < 0 || planPaid[category] < 0n);
  if (negative)
    throw failedPrecondition(
      healthBillingReasons.CONTRIBUTION_EXCEEDS_ACCUMULATOR,
      'the reversal subtracts more than the accumulators hold',
    );
  return {
    planYear: accumulators.planYear,
    deductibleMetMinor: minorUnits(deductible),
    outOfPocketMetMinor: minorUnits(outOfPocket),
    visitsByCategory: visits,
    planPaidByCategoryMinor: planPaid as Record<ServiceCategory, MinorUnits>,
  };
}
