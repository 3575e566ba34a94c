// A bill's lines through the engine, for finalizing and for correcting a paid bill alike: the lines in service-date
// then line order with their codes opened, the plan's schedule, the clinic's fee schedule, the patient's coverage,
// the accumulators the caller read under the member year's lock and the pre-authorizations it passes.
import { adjudicateBill } from '../domain/adjudicate.ts';
import type { Accumulators } from '../domain/accumulators.ts';
import type { BillAdjudication } from '../domain/adjudication.ts';
import type { Preauthorization } from '../domain/preauthorization.ts';
import { healthBillingMetrics } from '../metrics.ts';
import { coverageOf, feeScheduleOf, planSchedule } from './adjudication_inputs.ts';
import { lineCodeContext } from './bill_wire.ts';
import type { BillLineRecord, BillRecord, Contribution, HealthBillingStore } from './store.ts';
import type { VisitDeps } from './visit_deps.ts';

export async function adjudicateLines(
  deps: VisitDeps,
  tx: HealthBillingStore,
  bill: BillRecord,
  billLines: readonly BillLineRecord[],
  accumulators: Accumulators,
  preauthorizations: readonly Preauthorization[],
): Promise<BillAdjudication> {
  const { schedule } = await planSchedule(tx, deps.catalogue, bill.planId);
  const lines = [...billLines]
    .sort((a, b) => (a.serviceDate === b.serviceDate ? a.seq - b.seq : a.serviceDate < b.serviceDate ? -1 : 1))
    .map((line) => ({
      lineId: line.lineId,
      code: deps.sealer.open(line.codeSealed, lineCodeContext(line.lineId)),
      serviceDate: line.serviceDate,
      billedMinor: line.billedMinor,
    }));
  const feeSchedule = await feeScheduleOf(tx, deps.catalogue, bill.clinic, bill.currency);
  const startedMs = performance.now();
  const result = adjudicateBill({
    catalogue: deps.catalogue.current,
    feeSchedule,
    plan: schedule,
    coverage: coverageOf(bill.patientId, bill.concession),
    currency: bill.currency,
    lines,
    accumulators,
    preauthorizations,
  });
  healthBillingMetrics.adjudicationDuration.record(performance.now() - startedMs);
  return result;
}

/** Each adjudicated line's contribution as the accumulator store keeps it. */
export function contributionsOf(result: BillAdjudication): Contribution[] {
  return result.lines.map((line) => ({
    lineId: line.lineId,
    category: line.contribution.category,
    deductibleMinor: line.contribution.deductibleMinor,
    outOfPocketMinor: line.contribution.outOfPocketMinor,
    visits: line.contribution.visits,
    planPaidMinor: line.contribution.planPaidMinor,
  }));
}
