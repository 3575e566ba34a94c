// The checks a bill passes before and while the engine adjudicates it: whole-bill checks first (currencies agree,
// 1-100 lines with unique ids, coverage, accumulators, pre-authorizations), then each line as it comes (id, billed
// amount, service date in the accumulators' plan year, a catalogue code the clinic has a fee for). A refusal
// names the field, e.g. `lines[3].billedMinor`, never its value. Pure.
import { invalidArgument } from '@citypass/platform/errors';
import { checkAccumulators } from './accumulators.ts';
import { maxBillLines, type AdjudicationInput, type BillLine } from './adjudication.ts';
import type { CodeEntry } from './codes.ts';
import { checkCoverage } from './coverage.ts';
import { isServiceDate, planYearOf } from './dates.ts';
import { healthBillingReasons } from './health_billing_reasons.ts';
import { isId } from './ids.ts';
import { maxAmountMinor } from './money.ts';
import { checkPreauthorizations } from './preauthorization.ts';

/** Refuses a bill that cannot be adjudicated at all, before its first line. */
export function checkBill(input: AdjudicationInput): void {
  if (input.currency !== input.plan.currency || input.currency !== input.feeSchedule.currency)
    throw invalidArgument(
      healthBillingReasons.CURRENCY_MISMATCH,
      "the bill's currency must be the plan's and the clinic fee schedule's",
    );
  const lines: unknown = input.lines;
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > maxBillLines)
    throw invalidArgument(healthBillingReasons.BILL_LINES_INVALID, `a bill has 1-${maxBillLines} lines`);
  const ids = new Set<string>();
  for (const line of input.lines) ids.add(line.lineId);
  if (ids.size !== input.lines.length)
    throw invalidArgument(healthBillingReasons.BILL_LINES_INVALID, "a bill's line ids are unique");
  checkCoverage(input.coverage);
  checkAccumulators(input.accumulators);
  checkPreauthorizations(input.preauthorizations);
}

/** The line's code's catalogue entry and fee, or INVALID_ARGUMENT naming the field `lines[index]...`. */
export function checkLine(
  input: AdjudicationInput,
  line: BillLine,
  index: number,
): { entry: CodeEntry; feeMinor: bigint } {
  const field = `lines[${index}]`;
  if (!isId(line.lineId)) throw invalidArgument(healthBillingReasons.ID_INVALID, `${field}.lineId must be an id`);
  const billed: unknown = line.billedMinor;
  if (typeof billed !== 'bigint' || billed < 0n)
    throw invalidArgument(healthBillingReasons.AMOUNT_INVALID, `${field}.billedMinor must be minor units >= 0`);
  if (billed > maxAmountMinor)
    throw invalidArgument(healthBillingReasons.AMOUNT_TOO_LARGE, `${field}.billedMinor must be at most 10^12`);
  if (!isServiceDate(line.serviceDate))
    throw invalidArgument(healthBillingReasons.DATE_INVALID, `${field}.serviceDate must be a date YYYY-MM-DD`);
  if (planYearOf(line.serviceDate) !== input.accumulators.planYear)
    throw invalidArgument(
      healthBillingReasons.PLAN_YEAR_MISMATCH,
      `${field}.serviceDate is not in plan year ${input.accumulators.planYear}, the accumulators' year`,
    );
  const entry = input.catalogue.entries.get(line.code);
  if (entry === undefined)
    throw invalidArgument(healthBillingReasons.CODE_UNKNOWN, `${field}.code is not in the catalogue`);
  const feeMinor = input.feeSchedule.allowedByCode.get(line.code);
  if (feeMinor === undefined)
    throw invalidArgument(healthBillingReasons.FEE_MISSING, `${field}.code has no fee in the clinic's fee schedule`);
  return { entry, feeMinor };
}
