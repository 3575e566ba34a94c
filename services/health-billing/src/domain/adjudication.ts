// What the adjudication engine (adjudicate.ts) takes and returns. A bill's lines are adjudicated in the order
// given against one member's coverage, plan, accumulators (one plan year) and open pre-authorizations; each line
// result says where every minor unit of its billed amount went: billed = clinic write-off + patient share + plan
// share, on every line and on the bill. Types only. Pure.
import type { Accumulators, Contribution } from './accumulators.ts';
import type { CodeCatalogue, ServiceCategory } from './codes.ts';
import type { Coverage } from './coverage.ts';
import type { ServiceDate } from './dates.ts';
import type { FeeSchedule } from './fee_schedule.ts';
import type { MinorUnits } from './money.ts';
import type { PlanSchedule } from './plan.ts';
import type { Preauthorization } from './preauthorization.ts';
import type { Adjustment } from './reason_codes.ts';

/** One service on a clinic's bill. */
export interface BillLine {
  /** Unique within the bill; results name it. */
  readonly lineId: string;
  readonly code: string;
  /** Its plan year must be the accumulators' (a bill spanning New Year is adjudicated as two). */
  readonly serviceDate: ServiceDate;
  /** What the clinic charges, in the bill's currency. */
  readonly billedMinor: bigint;
}

export interface AdjudicationInput {
  readonly catalogue: CodeCatalogue;
  /** The billing clinic's. */
  readonly feeSchedule: FeeSchedule;
  readonly plan: PlanSchedule;
  readonly coverage: Coverage;
  /** ISO 4217: the plan's and the fee schedule's currency. */
  readonly currency: string;
  /** 1-100 lines, adjudicated in this order (the app orders them by service date, then line number). */
  readonly lines: readonly BillLine[];
  /** The member's, for the lines' plan year, as of now. */
  readonly accumulators: Accumulators;
  /** The member's pre-authorizations; only approved, unexpired, matching ones are used. */
  readonly preauthorizations: readonly Preauthorization[];
}

export const maxBillLines = 100;

/**
 * How a line fared. covered: the plan's benefit applies (copay, deductible, coinsurance, out-of-pocket maximum,
 * category cap). coverage_inactive, category_not_covered, code_excluded: the plan pays nothing and the member
 * pays the allowed amount (PR-96). preauthorization_missing: the clinic writes the whole billed amount off
 * (CO-197). visit_limit_reached: the plan pays nothing and the member pays the allowed amount (PR-119).
 */
export const lineOutcomes = [
  'covered',
  'coverage_inactive',
  'category_not_covered',
  'code_excluded',
  'preauthorization_missing',
  'visit_limit_reached',
] as const;
export type LineOutcome = (typeof lineOutcomes)[number];

/** Where the billed amount went. */
export interface Shares {
  readonly billedMinor: MinorUnits;
  /** The CO adjustments: neither the member nor the plan pays it. */
  readonly clinicWriteOffMinor: MinorUnits;
  /** The PR adjustments. */
  readonly patientShareMinor: MinorUnits;
  readonly planShareMinor: MinorUnits;
}

export interface LineAdjudication extends Shares {
  readonly lineId: string;
  readonly code: string;
  readonly category: ServiceCategory;
  readonly serviceDate: ServiceDate;
  readonly outcome: LineOutcome;
  /** The plan version that adjudicated it; undefined when no coverage or no version was in force on its date. */
  readonly planVersion: number | undefined;
  /** What the clinic may collect: billed - clinic write-off = patient share + plan share. */
  readonly allowedMinor: MinorUnits;
  /** Every non-zero adjustment: CO-45, CO-198, CO-197, then PR-3, PR-1, PR-2, PR-96, PR-119. */
  readonly adjustments: readonly Adjustment[];
  /** The pre-authorization the line used (a claim consumes it; an estimate only names it). */
  readonly preauthorizationId: string | undefined;
  /** What the line adds to the accumulators; reverseContributions takes exactly this away again. */
  readonly contribution: Contribution;
}

/** claim: pre-authorizations are consumed. estimate (predetermination): the same engine, nothing consumed. */
export type AdjudicationKind = 'claim' | 'estimate';

export interface BillAdjudication extends Shares {
  readonly kind: AdjudicationKind;
  readonly currency: string;
  readonly planId: string;
  readonly planYear: number;
  readonly memberId: string;
  readonly lines: readonly LineAdjudication[];
  /** The input accumulators with every line's contribution applied. */
  readonly accumulatorsAfter: Accumulators;
  /** Pre-authorizations the claim consumed, in line order; always empty for an estimate. */
  readonly consumedPreauthorizationIds: readonly string[];
}
