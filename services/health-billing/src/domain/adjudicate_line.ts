// Adjudicates one line against the running accumulators, in this order:
//   1. eligibility: coverage on the service date, a plan version in force, the category covered, the code not
//      excluded; else the plan pays nothing and the member pays the allowed amount (PR-96);
//   2. pre-authorization, when the category lists the code or the line's allowed amount (step 3's lesser of billed
//      and fee, worked out first) is above the category's threshold: without an approved, unexpired, unused
//      matching one the clinic writes the whole billed amount off (CO-197) and nobody is billed; with one, the
//      line consumes it and an allowed amount above its approval is cut to it, the clinic writing off the rest
//      (CO-198);
//   3. allowed amount: the lesser of billed and the clinic's fee schedule amount; the clinic writes off the
//      difference (CO-45);
//   4. visit limit: past the category's yearly limit the plan pays nothing, the member the allowed amount (PR-119),
//      and the line is not counted as a visit (a pre-authorization it used stays used);
//   5. copay, deductible, coinsurance, out-of-pocket maximum (cost_share.ts);
//   6. category cap: the plan pays at most what is left of the category's yearly plan-paid cap; the member pays
//      the rest (PR-119; a benefit maximum, not cost sharing, so it does not count toward the out-of-pocket maximum).
// Then the running accumulators take the line's contribution. Pure apart from updating `running`.
import assert from 'node:assert/strict';
import type { Contribution } from './accumulators.ts';
import type { AdjudicationInput, BillLine, LineAdjudication } from './adjudication.ts';
import { checkLine } from './bill_checks.ts';
import type { CodeEntry, ServiceCategory } from './codes.ts';
import { costShare } from './cost_share.ts';
import { coversDate } from './coverage.ts';
import { adjust, lineResult, noContribution } from './line_result.ts';
import { atLeastZero, type MinorUnits } from './money.ts';
import type { PlanTerms, PlanVersion } from './plan.ts';
import { planVersionOn } from './plan_schedule.ts';
import { findPreauthorization } from './preauthorization.ts';
import { claimAdjustmentReasons as carc, type Adjustment } from './reason_codes.ts';

/** The accumulators as the lines of one adjudication use them up, plus the pre-authorizations already used. */
export interface RunningAccumulators {
  readonly planYear: number;
  deductibleMetMinor: bigint;
  outOfPocketMetMinor: bigint;
  readonly visitsByCategory: Record<ServiceCategory, number>;
  readonly planPaidByCategoryMinor: Record<ServiceCategory, bigint>;
  readonly usedPreauthorizationIds: Set<string>;
}

export function adjudicateLine(
  input: AdjudicationInput,
  running: RunningAccumulators,
  line: BillLine,
  index: number,
): LineAdjudication {
  const { entry, feeMinor } = checkLine(input, line, index);
  const { coverage } = input;
  const billed = line.billedMinor;
  const allowedByFee = billed < feeMinor ? billed : feeMinor;
  const version = coversDate(coverage, line.serviceDate) ? planVersionOn(input.plan, line.serviceDate) : undefined;
  const terms = version?.terms[coverage.concession];
  const benefit = terms?.categories[entry.category];
  const adjustments: Adjustment[] = [];
  adjust(adjustments, 'CO', carc.feeScheduleExceeded, billed - allowedByFee);
  if (version === undefined || terms === undefined || benefit === undefined || terms.excludedCodes.has(line.code)) {
    const outcome =
      terms === undefined ? 'coverage_inactive' : benefit === undefined ? 'category_not_covered' : 'code_excluded';
    adjust(adjustments, 'PR', carc.notCovered, allowedByFee);
    return lineResult(
      line,
      entry,
      outcome,
      version,
      adjustments,
      0n,
      undefined,
      noContribution(running.planYear, entry.category),
    );
  }
  let allowed = allowedByFee;
  let preauthorizationId: string | undefined;
  if (benefit.preauthorizationCodes.has(line.code) || exceeds(allowedByFee, benefit.preauthorizationAboveMinor)) {
    const found = findPreauthorization(
      input.preauthorizations,
      coverage.memberId,
      line.code,
      line.serviceDate,
      running.usedPreauthorizationIds,
    );
    if (found === undefined) {
      const denied: Adjustment[] = [];
      adjust(denied, 'CO', carc.preauthorizationAbsent, billed);
      const contribution = noContribution(running.planYear, entry.category);
      return lineResult(line, entry, 'preauthorization_missing', version, denied, 0n, undefined, contribution);
    }
    running.usedPreauthorizationIds.add(found.id);
    preauthorizationId = found.id;
    if (allowed > found.approvedMinor) {
      adjust(adjustments, 'CO', carc.preauthorizationExceeded, allowed - found.approvedMinor);
      allowed = found.approvedMinor;
    }
  }
  const limit = benefit.yearlyVisitLimit;
  if (limit !== undefined && running.visitsByCategory[entry.category] >= limit) {
    adjust(adjustments, 'PR', carc.benefitMaximumReached, allowed);
    const contribution = noContribution(running.planYear, entry.category);
    return lineResult(line, entry, 'visit_limit_reached', version, adjustments, 0n, preauthorizationId, contribution);
  }
  return coveredLine(running, line, entry, version, terms, allowed, adjustments, preauthorizationId);
}

/** Steps 5 and 6 for a line the plan covers within its visit limit, and its contribution to `running`. */
function coveredLine(
  running: RunningAccumulators,
  line: BillLine,
  entry: CodeEntry,
  version: PlanVersion,
  terms: PlanTerms,
  allowed: bigint,
  adjustments: Adjustment[],
  preauthorizationId: string | undefined,
): LineAdjudication {
  const category = entry.category;
  const benefit = terms.categories[category];
  assert.ok(benefit !== undefined, 'a covered line has a benefit');
  const share = costShare({
    allowedMinor: allowed,
    copayMinor: benefit.copayMinor,
    deductibleApplies: benefit.deductibleApplies,
    deductibleLeftMinor: atLeastZero(terms.deductibleMinor - running.deductibleMetMinor),
    coinsuranceBasisPoints: benefit.coinsuranceBasisPoints,
    outOfPocketLeftMinor: atLeastZero(terms.outOfPocketMaxMinor - running.outOfPocketMetMinor),
  });
  const outOfPocket = share.copayMinor + share.deductibleMinor + share.coinsuranceMinor;
  let planShare = allowed - outOfPocket;
  let beyondCap = 0n;
  const cap = benefit.yearlyPlanPaidCapMinor;
  if (cap !== undefined) {
    const room = atLeastZero(cap - running.planPaidByCategoryMinor[category]);
    if (planShare > room) {
      beyondCap = planShare - room;
      planShare = room;
    }
  }
  adjust(adjustments, 'PR', carc.copay, share.copayMinor);
  adjust(adjustments, 'PR', carc.deductible, share.deductibleMinor);
  adjust(adjustments, 'PR', carc.coinsurance, share.coinsuranceMinor);
  adjust(adjustments, 'PR', carc.benefitMaximumReached, beyondCap);
  running.deductibleMetMinor += share.deductibleMinor;
  running.outOfPocketMetMinor += outOfPocket;
  running.visitsByCategory[category] += 1;
  running.planPaidByCategoryMinor[category] += planShare;
  const contribution: Contribution = {
    planYear: running.planYear,
    category,
    deductibleMinor: share.deductibleMinor as MinorUnits,
    outOfPocketMinor: outOfPocket as MinorUnits,
    visits: 1,
    planPaidMinor: planShare as MinorUnits,
  };
  return lineResult(line, entry, 'covered', version, adjustments, planShare, preauthorizationId, contribution);
}

function exceeds(amount: bigint, threshold: bigint | undefined): boolean {
  return threshold !== undefined && amount > threshold;
}
