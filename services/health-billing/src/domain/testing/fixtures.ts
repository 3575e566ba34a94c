// Test support: bills against the Aurelia sample (sample.ts), accumulators as of a point in the year, and the
// kind:reason of a refused call.
import { DomainError } from '@citypass/platform/errors';
import type { Concession } from '@citypass/contracts';
import { emptyAccumulators, type Accumulators } from '../accumulators.ts';
import type { AdjudicationInput, BillLine, LineAdjudication } from '../adjudication.ts';
import type { ServiceCategory } from '../codes.ts';
import { minorUnits } from '../money.ts';
import type { Preauthorization } from '../preauthorization.ts';
import type { PlanSchedule, PlanVersionInput } from '../plan.ts';
import { createPlanSchedule } from '../plan_schedule.ts';
import {
  sampleCatalogue,
  sampleCurrency,
  sampleFeeSchedule,
  sampleStandardPlan,
  sampleStandardPlanInput,
} from '../sample.ts';

export const memberId = 'member-1';

/** A line on 2025-03-10 unless another date is given; ids l1, l2, ... by position when built with `lines`. */
export function line(code: string, billedMinor: bigint, serviceDate = '2025-03-10', lineId = 'l1'): BillLine {
  return { lineId, code, serviceDate, billedMinor };
}

export function lines(specs: readonly (readonly [string, bigint] | readonly [string, bigint, string])[]): BillLine[] {
  return specs.map(([code, billed, date], index) => line(code, billed, date ?? '2025-03-10', `l${index + 1}`));
}

export interface Used {
  readonly deductibleMetMinor?: bigint;
  readonly outOfPocketMetMinor?: bigint;
  readonly visits?: Partial<Record<ServiceCategory, number>>;
  readonly planPaidMinor?: Partial<Record<ServiceCategory, bigint>>;
}

/** 2025 accumulators with what the member has used so far. */
export function accumulators(used: Used = {}, planYear = 2025): Accumulators {
  const empty = emptyAccumulators(planYear);
  const planPaid = { ...empty.planPaidByCategoryMinor };
  for (const [category, amount] of Object.entries(used.planPaidMinor ?? {}))
    planPaid[category as ServiceCategory] = minorUnits(amount);
  return {
    ...empty,
    deductibleMetMinor: minorUnits(used.deductibleMetMinor ?? 0n),
    outOfPocketMetMinor: minorUnits(used.outOfPocketMetMinor ?? 0n),
    visitsByCategory: { ...empty.visitsByCategory, ...used.visits },
    planPaidByCategoryMinor: planPaid,
  };
}

export function approvedPreauthorization(
  id: string,
  codes: readonly string[],
  approvedMinor: bigint,
  expiresOn = '2025-06-30',
): Preauthorization {
  return { id, memberId, codes, approvedMinor: minorUnits(approvedMinor), expiresOn, state: 'approved' };
}

/** An adult member of the sample plan since 2025-01-01, at the Riverside Clinic, nothing used yet. */
export function billInput(
  billLines: readonly BillLine[],
  options: {
    concession?: Concession;
    used?: Accumulators;
    preauthorizations?: readonly Preauthorization[];
    startsOn?: string;
    plan?: PlanSchedule;
  } = {},
): AdjudicationInput {
  return {
    catalogue: sampleCatalogue,
    feeSchedule: sampleFeeSchedule,
    plan: options.plan ?? sampleStandardPlan,
    coverage: { memberId, concession: options.concession ?? 'adult', startsOn: options.startsOn ?? '2025-01-01' },
    currency: sampleCurrency,
    lines: billLines,
    accumulators: options.used ?? accumulators(),
    preauthorizations: options.preauthorizations ?? [],
  };
}

/** A line's adjustments as compact strings: 'CO-45 40.00'. */
export function adjustmentsOf(result: LineAdjudication): string[] {
  return result.adjustments.map(
    (adjustment) => `${adjustment.group}-${adjustment.reason} ${euros(adjustment.amountMinor)}`,
  );
}

/** Cents as 1,234.56. */
export function euros(minor: bigint): string {
  const whole = (minor / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${whole}.${(minor % 100n).toString().padStart(2, '0')}`;
}

/** billed / clinic / patient / plan as euros, for one-line assertions. */
export function sharesOf(result: {
  billedMinor: bigint;
  clinicWriteOffMinor: bigint;
  patientShareMinor: bigint;
  planShareMinor: bigint;
}): string {
  const [billed, clinic, patient, plan] = [
    result.billedMinor,
    result.clinicWriteOffMinor,
    result.patientShareMinor,
    result.planShareMinor,
  ].map(euros);
  return `billed ${billed} = clinic ${clinic} + patient ${patient} + plan ${plan}`;
}

/** `kind:REASON` of the DomainError a call throws, or 'ok'. */
export function refusal(call: () => unknown): string {
  try {
    call();
    return 'ok';
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind}:${error.reason}`;
    throw error;
  }
}

/** The message of the DomainError a call throws. */
export function refusalMessage(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    if (error instanceof DomainError) return error.message;
    throw error;
  }
  return 'ok';
}

/** The sample plan with its first version changed, checked like any plan. */
export function planWith(change: (version: PlanVersionInput) => PlanVersionInput): PlanSchedule {
  const [first] = sampleStandardPlanInput.versions;
  if (first === undefined) throw new Error('the sample plan has a version');
  return createPlanSchedule({ ...sampleStandardPlanInput, versions: [change(first)] }, sampleCatalogue);
}
