// Resolves a checked plan version into the terms the engine reads, one set per concession class: a class's
// override replaces the out-of-pocket maximum and a category's copay or coinsurance, and leaves the rest as the
// plan wrote it. Lists become sets once here, so adjudicating a line looks codes up in constant time. Pure.
import { concessions, type Concession } from '@citypass/contracts';
import { serviceCategories, type ServiceCategory } from './codes.ts';
import { minorUnits, type MinorUnits } from './money.ts';
import type {
  CategoryBenefitInput,
  CategoryTerms,
  ConcessionOverrideInput,
  PlanTerms,
  PlanVersionInput,
} from './plan.ts';

/** The terms of a version that passed planScheduleProblems, per concession class. */
export function resolvePlanTerms(version: PlanVersionInput): Readonly<Record<Concession, PlanTerms>> {
  const excludedCodes: ReadonlySet<string> = new Set(version.excludedCodes ?? []);
  const base = new Map<ServiceCategory, CategoryTerms>();
  for (const category of serviceCategories) {
    const benefit = version.categories[category];
    if (benefit !== undefined) base.set(category, categoryTerms(benefit));
  }
  const terms = {} as Record<Concession, PlanTerms>;
  for (const concession of concessions) {
    terms[concession] = termsFor(version, base, excludedCodes, version.concessionOverrides?.[concession]);
  }
  return terms;
}

function termsFor(
  version: PlanVersionInput,
  base: ReadonlyMap<ServiceCategory, CategoryTerms>,
  excludedCodes: ReadonlySet<string>,
  override: ConcessionOverrideInput | undefined,
): PlanTerms {
  const categories: Partial<Record<ServiceCategory, CategoryTerms>> = {};
  for (const [category, terms] of base) {
    const change = override?.categories?.[category];
    categories[category] =
      change === undefined
        ? terms
        : {
            ...terms,
            copayMinor: minorUnits(change.copayMinor ?? terms.copayMinor),
            coinsuranceBasisPoints: change.coinsuranceBasisPoints ?? terms.coinsuranceBasisPoints,
          };
  }
  return {
    deductibleMinor: minorUnits(version.deductibleMinor),
    outOfPocketMaxMinor: minorUnits(override?.outOfPocketMaxMinor ?? version.outOfPocketMaxMinor),
    categories,
    excludedCodes,
  };
}

function categoryTerms(benefit: CategoryBenefitInput): CategoryTerms {
  return {
    copayMinor: minorUnits(benefit.copayMinor),
    deductibleApplies: benefit.deductibleApplies,
    coinsuranceBasisPoints: benefit.coinsuranceBasisPoints,
    yearlyVisitLimit: benefit.yearlyVisitLimit,
    yearlyPlanPaidCapMinor: optionalMinor(benefit.yearlyPlanPaidCapMinor),
    preauthorizationCodes: new Set(benefit.preauthorizationCodes ?? []),
    preauthorizationAboveMinor: optionalMinor(benefit.preauthorizationAboveMinor),
  };
}

function optionalMinor(value: bigint | undefined): MinorUnits | undefined {
  return value === undefined ? undefined : minorUnits(value);
}
