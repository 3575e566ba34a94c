// A plan version on the wire (Plan) and as the engine reads it (PlanVersionInput). Unknown categories and
// concessions are refused here; the engine checks every number.
import { isConcession, healthBillingReasons, type Concession } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';
import type { Plan } from '@citypass/proto/health_billing/v1/health_billing';
import type { ServiceCategory } from '../domain/codes.ts';
import type {
  CategoryBenefitInput,
  CategoryOverrideInput,
  ConcessionOverrideInput,
  PlanVersionInput,
} from '../domain/plan.ts';
import { categoryName, categoryOf } from './categories.ts';
import type { PlanVersionRecord } from './store.ts';

export function planRulesOf(plan: Plan, version: number): PlanVersionInput {
  const categories: Partial<Record<ServiceCategory, CategoryBenefitInput>> = {};
  plan.categories.forEach((rule) => {
    const name = categoryName(rule.category) as ServiceCategory;
    if (categories[name] !== undefined)
      throw invalidArgument(healthBillingReasons.PLAN_INVALID, `category ${name} is given twice`);
    categories[name] = {
      copayMinor: rule.copayMinor,
      deductibleApplies: rule.deductibleApplies,
      coinsuranceBasisPoints: rule.coinsuranceBps,
      ...(rule.visitLimit > 0 ? { yearlyVisitLimit: rule.visitLimit } : {}),
      ...(rule.planPaidCapMinor > 0n ? { yearlyPlanPaidCapMinor: rule.planPaidCapMinor } : {}),
      ...(rule.preauthorizationCodes.length > 0 ? { preauthorizationCodes: [...rule.preauthorizationCodes] } : {}),
      ...(rule.preauthorizationThresholdMinor > 0n
        ? { preauthorizationAboveMinor: rule.preauthorizationThresholdMinor }
        : {}),
    };
  });
  const overrides: Partial<Record<Concession, ConcessionOverrideInput>> = {};
  for (const entry of plan.concessionOverrides) {
    if (!isConcession(entry.concession))
      throw invalidArgument(healthBillingReasons.CONCESSION_UNKNOWN, 'a concession override names no known concession');
    const current = overrides[entry.concession] ?? {};
    const byCategory: Partial<Record<ServiceCategory, CategoryOverrideInput>> = { ...current.categories };
    if (entry.copayMinor !== undefined || entry.coinsuranceBps !== undefined) {
      byCategory[categoryName(entry.category) as ServiceCategory] = {
        ...(entry.copayMinor === undefined ? {} : { copayMinor: entry.copayMinor }),
        ...(entry.coinsuranceBps === undefined ? {} : { coinsuranceBasisPoints: entry.coinsuranceBps }),
      };
    }
    const outOfPocket = entry.outOfPocketMaxMinor ?? current.outOfPocketMaxMinor;
    overrides[entry.concession] = {
      ...(outOfPocket === undefined ? {} : { outOfPocketMaxMinor: outOfPocket }),
      ...(Object.keys(byCategory).length > 0 ? { categories: byCategory } : {}),
    };
  }
  return {
    version,
    effectiveFrom: plan.effectiveFrom,
    deductibleMinor: plan.deductibleMinor,
    outOfPocketMaxMinor: plan.outOfPocketMaxMinor,
    categories,
    ...(plan.excludedCodes.length > 0 ? { excludedCodes: [...plan.excludedCodes] } : {}),
    ...(Object.keys(overrides).length > 0 ? { concessionOverrides: overrides } : {}),
  };
}

export function planOf(record: PlanVersionRecord): Plan {
  const rules = record.rules;
  return {
    planId: record.planId,
    insurer: record.insurer,
    currency: record.currency,
    version: record.version,
    effectiveFrom: record.effectiveFrom,
    deductibleMinor: rules.deductibleMinor,
    outOfPocketMaxMinor: rules.outOfPocketMaxMinor,
    categories: Object.entries(rules.categories)
      .map(([name, benefit]) => ({
        category: categoryOf(name),
        copayMinor: benefit.copayMinor,
        deductibleApplies: benefit.deductibleApplies,
        coinsuranceBps: benefit.coinsuranceBasisPoints,
        visitLimit: benefit.yearlyVisitLimit ?? 0,
        planPaidCapMinor: benefit.yearlyPlanPaidCapMinor ?? 0n,
        preauthorizationCodes: [...(benefit.preauthorizationCodes ?? [])],
        preauthorizationThresholdMinor: benefit.preauthorizationAboveMinor ?? 0n,
      }))
      // jsonb keeps keys in its own order: answer in the enum's.
      .sort((a, b) => a.category - b.category),
    excludedCodes: [...(rules.excludedCodes ?? [])],
    concessionOverrides: Object.entries(rules.concessionOverrides ?? {}).flatMap(([concession, override]) => {
      const perCategory = Object.entries(override.categories ?? {}).map(([name, change]) => ({
        concession,
        category: categoryOf(name),
        ...(change.copayMinor === undefined ? {} : { copayMinor: change.copayMinor }),
        ...(change.coinsuranceBasisPoints === undefined ? {} : { coinsuranceBps: change.coinsuranceBasisPoints }),
      }));
      const whole =
        override.outOfPocketMaxMinor === undefined
          ? []
          : [{ concession, category: categoryOf(''), outOfPocketMaxMinor: override.outOfPocketMaxMinor }];
      return [...perCategory, ...whole];
    }),
  };
}
