// A line's adjudication in FHIR (ClaimResponse.item.adjudication, ExplanationOfBenefit.item.adjudication): what was
// submitted, what was eligible, one entry per X12 adjustment (group as category, CARC as reason), what the plan
// pays (benefit) and what the member owes; and the totals over the lines, category by category, each the exact sum
// of the lines' amounts in that category. Pure.
import {
  adjudicationCategories,
  adjustmentGroupCategory,
  adjustmentReason,
  type CodeableConcept,
} from './fhir_codes.ts';
import type { FhirLine, FhirLineOutcome } from './fhir_input.ts';
import { fhirMoney, type FhirMoney } from './fhir_money.ts';

export interface Adjudication {
  readonly category: CodeableConcept;
  readonly reason?: CodeableConcept;
  readonly amount: FhirMoney;
}

export interface Total {
  readonly category: CodeableConcept;
  readonly amount: FhirMoney;
}

interface AmountEntry {
  /** The key totals group by: the category's code (the adjustment group for an adjustment). */
  readonly key: string;
  readonly category: CodeableConcept;
  readonly reason?: CodeableConcept;
  readonly amountMinor: bigint;
}

function entriesOf(line: FhirLine, outcome: FhirLineOutcome): AmountEntry[] {
  return [
    { key: 'submitted', category: adjudicationCategories.submitted, amountMinor: line.billedMinor },
    { key: 'eligible', category: adjudicationCategories.eligible, amountMinor: outcome.allowedMinor },
    ...outcome.adjustments.map((adjustment) => ({
      key: adjustment.group,
      category: adjustmentGroupCategory(adjustment.group),
      reason: adjustmentReason(adjustment.reasonCode),
      amountMinor: adjustment.amountMinor,
    })),
    { key: 'benefit', category: adjudicationCategories.benefit, amountMinor: outcome.planMinor },
    { key: 'memberliability', category: adjudicationCategories.memberLiability, amountMinor: outcome.patientMinor },
  ];
}

export function lineAdjudication(line: FhirLine, outcome: FhirLineOutcome, currency: string): Adjudication[] {
  return entriesOf(line, outcome).map((entry) => ({
    category: entry.category,
    ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    amount: fhirMoney(entry.amountMinor, currency),
  }));
}

/** Per category, in first-seen order, the sum over the adjudicated lines (adjustments summed per group). */
export function adjudicationTotals(lines: readonly FhirLine[], currency: string): Total[] {
  const totals = new Map<string, { category: CodeableConcept; amountMinor: bigint }>();
  for (const line of lines) {
    if (line.outcome === undefined) continue;
    for (const entry of entriesOf(line, line.outcome)) {
      const total = totals.get(entry.key) ?? { category: entry.category, amountMinor: 0n };
      totals.set(entry.key, { category: total.category, amountMinor: total.amountMinor + entry.amountMinor });
    }
  }
  return [...totals.values()].map((total) => ({
    category: total.category,
    amount: fhirMoney(total.amountMinor, currency),
  }));
}

export function sumOf(lines: readonly FhirLine[], amount: (line: FhirLine) => bigint): bigint {
  return lines.reduce((sum, line) => sum + amount(line), 0n);
}
