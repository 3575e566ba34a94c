// A coverage plan: what the plan pays and what the member pays, per plan year and per service category. The input
// types are what an insurer writes (and the store keeps); createPlanSchedule (plan_schedule.ts) checks them and
// resolves, for every version and concession class, the terms the engine reads. All amounts are integer minor
// units of the plan's currency. Types only. Pure.
import type { Concession } from '@citypass/contracts';
import type { ServiceCategory } from './codes.ts';
import type { ServiceDate } from './dates.ts';
import type { MinorUnits } from './money.ts';

/** What one service category costs under the plan. A category absent from a version is not covered (PR-96). */
export interface CategoryBenefitInput {
  /** Charged first on every line of the category, at most the line's allowed amount (PR-3). */
  readonly copayMinor: bigint;
  /** Whether what is left after the copay goes toward the deductible first (PR-1). */
  readonly deductibleApplies: boolean;
  /** The member's share of what is left after copay and deductible, in basis points: 2000 is 20 % (PR-2). */
  readonly coinsuranceBasisPoints: number;
  /** Lines of the category the plan pays per plan year; beyond it the member pays the allowed amount (PR-119). */
  readonly yearlyVisitLimit?: number;
  /** The most the plan pays for the category per plan year; beyond it the member pays (PR-119). */
  readonly yearlyPlanPaidCapMinor?: bigint;
  /** Codes of the category that always need an approved pre-authorization. */
  readonly preauthorizationCodes?: readonly string[];
  /** Any line of the category whose allowed amount is above this needs an approved pre-authorization too. */
  readonly preauthorizationAboveMinor?: bigint;
}

/** A concession class's changes to one category's benefit; what is not given stays the plan's. */
export interface CategoryOverrideInput {
  readonly copayMinor?: bigint;
  readonly coinsuranceBasisPoints?: number;
}

/** What a concession class (from the member's credential) pays differently: a senior pays less. */
export interface ConcessionOverrideInput {
  readonly outOfPocketMaxMinor?: bigint;
  readonly categories?: Readonly<Partial<Record<ServiceCategory, CategoryOverrideInput>>>;
}

export interface PlanVersionInput {
  /** Positive, strictly increasing within a schedule. */
  readonly version: number;
  /** The first service date this version adjudicates. */
  readonly effectiveFrom: ServiceDate;
  /** Per plan year. */
  readonly deductibleMinor: bigint;
  /** Per plan year: copays, deductible and coinsurance count toward it; never below the deductible. */
  readonly outOfPocketMaxMinor: bigint;
  readonly categories: Readonly<Partial<Record<ServiceCategory, CategoryBenefitInput>>>;
  /** Codes the plan never covers, whatever their category (PR-96). */
  readonly excludedCodes?: readonly string[];
  readonly concessionOverrides?: Readonly<Partial<Record<Concession, ConcessionOverrideInput>>>;
}

export interface PlanScheduleInput {
  readonly planId: string;
  readonly name: string;
  /** ISO 4217; one currency for every version. */
  readonly currency: string;
  /** Ascending by version and by effectiveFrom. */
  readonly versions: readonly PlanVersionInput[];
}

/** One category's benefit for one concession class, overrides applied. */
export interface CategoryTerms {
  readonly copayMinor: MinorUnits;
  readonly deductibleApplies: boolean;
  readonly coinsuranceBasisPoints: number;
  readonly yearlyVisitLimit: number | undefined;
  readonly yearlyPlanPaidCapMinor: MinorUnits | undefined;
  readonly preauthorizationCodes: ReadonlySet<string>;
  readonly preauthorizationAboveMinor: MinorUnits | undefined;
}

/** A plan version's terms for one concession class: what the engine reads. */
export interface PlanTerms {
  readonly deductibleMinor: MinorUnits;
  readonly outOfPocketMaxMinor: MinorUnits;
  /** Covered categories only. */
  readonly categories: Readonly<Partial<Record<ServiceCategory, CategoryTerms>>>;
  readonly excludedCodes: ReadonlySet<string>;
}

export interface PlanVersion extends PlanVersionInput {
  /** The version's terms per concession class, overrides resolved. */
  readonly terms: Readonly<Record<Concession, PlanTerms>>;
}

/** A schedule that passed createPlanSchedule: the only kind the engine adjudicates with. */
export interface PlanSchedule {
  readonly planId: string;
  readonly name: string;
  readonly currency: string;
  readonly versions: readonly PlanVersion[];
  readonly __brand: 'PlanSchedule';
}
