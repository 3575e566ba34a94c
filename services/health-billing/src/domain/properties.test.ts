// Property tests over random plans, accumulators, bills and pre-authorizations (seeded, reproducible: a failing
// seed is named in the message and replays alone): every line and bill balances, the out-of-pocket maximum is
// never exceeded, no share is negative, a reversal restores the accumulators exactly, and a bill split into
// several (accumulators and consumed pre-authorizations carried) costs the member exactly what it costs whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyContributions, reverseContributions, type Accumulators } from './accumulators.ts';
import { adjudicateBill, estimateBill } from './adjudicate.ts';
import type { AdjudicationInput, BillAdjudication, LineAdjudication } from './adjudication.ts';
import { atLeastZero } from './money.ts';
import { planVersionOn } from './plan_schedule.ts';
import { consumePreauthorizations } from './preauthorization.ts';
import { adjustmentTotal, claimAdjustmentReasons as carc } from './reason_codes.ts';
import { randomInput } from './testing/random_cases.ts';
import { randomInt, seededRandom, type Random } from '@citypass/platform/seeded_random';

const runs = 1_000;

function scenario(seed: number): { random: Random; input: AdjudicationInput; bill: BillAdjudication } {
  const random = seededRandom(seed);
  const input = randomInput(random);
  return { random, input, bill: adjudicateBill(input) };
}

function assertBalanced(line: LineAdjudication, label: string): void {
  const { billedMinor, clinicWriteOffMinor, patientShareMinor, planShareMinor } = line;
  for (const amount of [billedMinor, clinicWriteOffMinor, patientShareMinor, planShareMinor, line.allowedMinor])
    assert.ok(amount >= 0n, `${label}: no negative amount`);
  assert.equal(billedMinor, clinicWriteOffMinor + patientShareMinor + planShareMinor, `${label}: line balances`);
  assert.equal(clinicWriteOffMinor, adjustmentTotal(line.adjustments, 'CO'), `${label}: write-off is the CO sum`);
  assert.equal(patientShareMinor, adjustmentTotal(line.adjustments, 'PR'), `${label}: patient share is the PR sum`);
  assert.equal(line.allowedMinor, patientShareMinor + planShareMinor, `${label}: allowed = patient + plan`);
  for (const adjustment of line.adjustments) assert.ok(adjustment.amountMinor > 0n, `${label}: no zero adjustment`);
}

test('adjudication - property: every line and every bill balances; no share or adjustment is negative', () => {
  for (let seed = 1; seed <= runs; seed += 1) {
    const { bill } = scenario(seed);
    const sum = (share: (line: LineAdjudication) => bigint): bigint =>
      bill.lines.reduce((total, line) => total + share(line), 0n);
    for (const line of bill.lines) assertBalanced(line, `seed ${seed} ${line.lineId}`);
    assert.equal(
      bill.billedMinor,
      sum((line) => line.billedMinor),
      `seed ${seed}: billed`,
    );
    assert.equal(
      bill.clinicWriteOffMinor,
      sum((line) => line.clinicWriteOffMinor),
      `seed ${seed}: write-off`,
    );
    assert.equal(
      bill.patientShareMinor,
      sum((line) => line.patientShareMinor),
      `seed ${seed}: patient`,
    );
    assert.equal(
      bill.planShareMinor,
      sum((line) => line.planShareMinor),
      `seed ${seed}: plan`,
    );
    assert.equal(
      bill.billedMinor,
      bill.clinicWriteOffMinor + bill.patientShareMinor + bill.planShareMinor,
      `seed ${seed}: bill balances`,
    );
  }
});

test('adjudication - property: the out-of-pocket maximum and the deductible are never exceeded, line by line', () => {
  const seen = { outOfPocketCut: 0, capped: 0, covered: 0 };
  for (let seed = 1; seed <= runs; seed += 1) {
    const { input, bill } = scenario(seed);
    let outOfPocket: bigint = input.accumulators.outOfPocketMetMinor;
    let deductible: bigint = input.accumulators.deductibleMetMinor;
    for (const line of bill.lines) {
      const label = `seed ${seed} ${line.lineId}`;
      const version = planVersionOn(input.plan, line.serviceDate);
      const terms = version?.terms[input.coverage.concession];
      const costShare = ['copay', 'deductible', 'coinsurance'] as const;
      const shared = costShare.reduce((sum, name) => sum + adjustmentTotal(line.adjustments, 'PR', carc[name]), 0n);
      assert.equal(line.contribution.outOfPocketMinor, shared, `${label}: copay + deductible + coinsurance count`);
      if (line.outcome !== 'covered') {
        assert.equal(shared, 0n, `${label}: no cost sharing on a line the plan does not cover`);
        continue;
      }
      assert.ok(terms !== undefined, label);
      seen.covered += 1;
      const room = atLeastZero(terms.outOfPocketMaxMinor - outOfPocket);
      assert.ok(shared <= room, `${label}: ${String(shared)} over the out-of-pocket room ${String(room)}`);
      const deductibleRoom = atLeastZero(terms.deductibleMinor - deductible);
      assert.ok(line.contribution.deductibleMinor <= deductibleRoom, `${label}: deductible over what is open`);
      if (shared === room && room > 0n) seen.outOfPocketCut += 1;
      if (adjustmentTotal(line.adjustments, 'PR', carc.benefitMaximumReached) > 0n) seen.capped += 1;
      outOfPocket += line.contribution.outOfPocketMinor;
      deductible += line.contribution.deductibleMinor;
    }
  }
  assert.ok(seen.covered > 2_000 && seen.outOfPocketCut > 40 && seen.capped > 100, JSON.stringify(seen));
});

test('adjudication - property: contributions applied give accumulatorsAfter; reversed, they restore exactly', () => {
  for (let seed = 1; seed <= runs; seed += 1) {
    const { random, input, bill } = scenario(seed);
    const before = input.accumulators;
    const contributions = bill.lines.map((line) => line.contribution);
    assert.deepEqual(applyContributions(before, contributions), bill.accumulatorsAfter, `seed ${seed}: applied`);
    const shuffled = shuffle(random, contributions);
    assert.deepEqual(reverseContributions(bill.accumulatorsAfter, shuffled), before, `seed ${seed}: reversed`);
    const cut = randomInt(random, 0, shuffled.length);
    const partly = reverseContributions(bill.accumulatorsAfter, shuffled.slice(0, cut));
    assert.deepEqual(
      applyContributions(partly, shuffled.slice(0, cut)),
      bill.accumulatorsAfter,
      `seed ${seed}: reversing some lines and applying them again`,
    );
  }
});

function shuffle<T>(random: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = randomInt(random, 0, index);
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

/** The same lines as consecutive bills, each adjudicated against what the ones before left. */
function adjudicateSplit(random: Random, input: AdjudicationInput): { lines: LineAdjudication[]; after: Accumulators } {
  let accumulators = input.accumulators;
  let preauthorizations = input.preauthorizations;
  const lines: LineAdjudication[] = [];
  let start = 0;
  while (start < input.lines.length) {
    const end = randomInt(random, start + 1, input.lines.length);
    const bill = adjudicateBill({ ...input, lines: input.lines.slice(start, end), accumulators, preauthorizations });
    lines.push(...bill.lines);
    accumulators = bill.accumulatorsAfter;
    preauthorizations = consumePreauthorizations(preauthorizations, bill.consumedPreauthorizationIds);
    start = end;
  }
  return { lines, after: accumulators };
}

// Lines are adjudicated one after the other against running accumulators and the pre-authorizations still
// unused, and nothing in the rules depends on where a bill starts or ends, so splitting is not merely never
// dearer for the member: every line comes out identical, and so do the totals and the accumulators after.
test('adjudication - property: split across bills (accumulators carried) every line costs what it does whole', () => {
  for (let seed = 1; seed <= runs; seed += 1) {
    const { random, input, bill } = scenario(seed);
    const split = adjudicateSplit(random, input);
    assert.deepEqual(split.lines, bill.lines, `seed ${seed}: the same lines`);
    assert.deepEqual(split.after, bill.accumulatorsAfter, `seed ${seed}: the same accumulators after`);
    const patient = split.lines.reduce((sum, line) => sum + line.patientShareMinor, 0n);
    assert.equal(patient, bill.patientShareMinor, `seed ${seed}: the member pays the same`);
  }
});

test('adjudication - property: an estimate has the claim’s numbers and consumes nothing', () => {
  for (let seed = 1; seed <= runs; seed += 1) {
    const { input, bill } = scenario(seed);
    const estimate = estimateBill(input);
    assert.deepEqual(estimate.lines, bill.lines, `seed ${seed}`);
    assert.deepEqual(estimate.accumulatorsAfter, bill.accumulatorsAfter, `seed ${seed}`);
    assert.deepEqual(estimate.consumedPreauthorizationIds, [], `seed ${seed}`);
    const used = bill.lines.flatMap((line) => (line.preauthorizationId === undefined ? [] : [line.preauthorizationId]));
    assert.deepEqual(bill.consumedPreauthorizationIds, used, `seed ${seed}: the claim consumes what its lines name`);
    assert.equal(new Set(used).size, used.length, `seed ${seed}: no pre-authorization is used twice`);
  }
});
