// The sample city's health fund (domain/sample.ts) as an operator's requests: the code catalogue, a clinic's fee
// schedule and the standard plan, for `npm start` and the benches to put through the gRPC API like any operator.
import type { Code, FeeScheduleEntry, Plan } from '@citypass/proto/health_billing/v1/health_billing';
import { sampleCatalogue, sampleCurrency, sampleFeeSchedule, sampleStandardPlanInput } from '../domain/sample.ts';
import { categoryOf } from './categories.ts';
import { planOf } from './plan_wire.ts';

export function sampleCodes(): Code[] {
  return [...sampleCatalogue.entries.values()].map((entry) => ({
    code: entry.code,
    category: categoryOf(entry.category),
    description: entry.description,
    maxQuantity: 0,
  }));
}

/** The sample clinic's fees (any onboarded clinic may be given them). */
export function sampleFees(): FeeScheduleEntry[] {
  return [...sampleFeeSchedule.allowedByCode].map(([code, allowedMinor]) => ({ code, allowedMinor }));
}

/** The standard plan's first version, paid by `insurer`, from `effectiveFrom` (a plan starts after today). */
export function samplePlan(insurer: string, effectiveFrom: string): Plan {
  const rules = sampleStandardPlanInput.versions[0];
  if (rules === undefined) throw new Error('the sample plan has no version');
  return {
    ...planOf({
      planId: sampleStandardPlanInput.planId,
      version: 0,
      insurer,
      currency: sampleCurrency,
      effectiveFrom,
      rules: { ...rules, effectiveFrom },
    }),
    version: 0,
  };
}
