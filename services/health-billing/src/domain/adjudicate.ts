// The adjudication engine: a bill's lines in, per line and in total where each billed minor unit went (clinic
// write-off, patient share, plan share) and what each line adds to the member's accumulators. Lines are
// adjudicated one after the other (adjudicate_line.ts), each seeing the accumulators as the lines before left them,
// so adjudicating lines in one bill or split across bills in the same order (accumulators and consumed
// pre-authorizations carried) gives the same result. An estimate is the same run without consuming anything.
// Pure: no clock, no I/O; the input is never modified.
import assert from 'node:assert/strict';
import type { Accumulators } from './accumulators.ts';
import type {
  AdjudicationInput,
  AdjudicationKind,
  BillAdjudication,
  BillLine,
  LineAdjudication,
} from './adjudication.ts';
import { adjudicateLine, type RunningAccumulators } from './adjudicate_line.ts';
import { checkBill } from './bill_checks.ts';
import type { ServiceCategory } from './codes.ts';
import type { MinorUnits } from './money.ts';

/** Adjudicates a claim: the lines' pre-authorizations are consumed (consumedPreauthorizationIds). */
export function adjudicateBill(input: AdjudicationInput): BillAdjudication {
  return adjudicate(input, 'claim');
}

/** A predetermination: the claim's numbers, nothing consumed; apply its contributions to nothing. */
export function estimateBill(input: AdjudicationInput): BillAdjudication {
  return adjudicate(input, 'estimate');
}

function adjudicate(input: AdjudicationInput, kind: AdjudicationKind): BillAdjudication {
  checkBill(input);
  const running = startRunning(input.accumulators);
  const lines: LineAdjudication[] = [];
  const consumed: string[] = [];
  let billed = 0n;
  let writeOff = 0n;
  let patient = 0n;
  let plan = 0n;
  for (let index = 0; index < input.lines.length; index += 1) {
    const line = adjudicateLine(input, running, input.lines[index] as BillLine, index);
    lines.push(line);
    if (kind === 'claim' && line.preauthorizationId !== undefined) consumed.push(line.preauthorizationId);
    billed += line.billedMinor;
    writeOff += line.clinicWriteOffMinor;
    patient += line.patientShareMinor;
    plan += line.planShareMinor;
  }
  assert.ok(billed === writeOff + patient + plan, 'bill: billed = write-off + patient + plan');
  return {
    kind,
    currency: input.currency,
    planId: input.plan.planId,
    planYear: input.accumulators.planYear,
    memberId: input.coverage.memberId,
    billedMinor: billed as MinorUnits,
    clinicWriteOffMinor: writeOff as MinorUnits,
    patientShareMinor: patient as MinorUnits,
    planShareMinor: plan as MinorUnits,
    lines,
    accumulatorsAfter: finishRunning(running),
    consumedPreauthorizationIds: consumed,
  };
}

function startRunning(accumulators: Accumulators): RunningAccumulators {
  return {
    planYear: accumulators.planYear,
    deductibleMetMinor: accumulators.deductibleMetMinor,
    outOfPocketMetMinor: accumulators.outOfPocketMetMinor,
    visitsByCategory: { ...accumulators.visitsByCategory },
    planPaidByCategoryMinor: { ...accumulators.planPaidByCategoryMinor },
    usedPreauthorizationIds: new Set(),
  };
}

function finishRunning(running: RunningAccumulators): Accumulators {
  return {
    planYear: running.planYear,
    deductibleMetMinor: running.deductibleMetMinor as MinorUnits,
    outOfPocketMetMinor: running.outOfPocketMetMinor as MinorUnits,
    visitsByCategory: running.visitsByCategory,
    planPaidByCategoryMinor: running.planPaidByCategoryMinor as Record<ServiceCategory, MinorUnits>,
  };
}
