// Property tests over random tap histories (seeded, reproducible): caps are never exceeded, the result does not
// depend on how taps are batched or in which order they arrive, and no charge or refund is ever out of bounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adjustmentsSince, chargedJourneys, type Adjustment, type ChargedJourney } from './adjustments.ts';
import { chargedWithin, weeklyCapWindow } from './cap_window.ts';
import { concessionClasses, type ConcessionClass } from './concession.ts';
import type { FareSchedule } from './fare_rules.ts';
import { sampleFareRules, sampleNetwork, sampleSchedule } from './sample_city.ts';
import { parseServiceDate } from './service_day.ts';
import { computeStatement, type Statement } from './statement.ts';
import { inTimeOrder, type Tap } from './tap.ts';
import { scheduleWith } from './testing/fixtures.ts';
import { randomBatches, randomHistory } from './testing/random_history.ts';
import { pick, randomInt, seededRandom, type Random } from '@citypass/platform/seeded_random';

const runs = 150;
const tightCaps = {
  ...sampleFareRules.caps,
  adult: { dailyMinor: 900n, weeklyMinor: 2_000n },
  senior: { dailyMinor: 450n, weeklyMinor: 1_000n },
};
const schedules: readonly [string, FareSchedule][] = [
  ['calendar', sampleSchedule],
  ['calendar-tight', scheduleWith({ caps: tightCaps })],
  ['rolling-tight', scheduleWith({ caps: tightCaps, weeklyCapPeriod: 'rolling_7_days' })],
];

const statement = (
  schedule: FareSchedule,
  concession: ConcessionClass,
  taps: readonly Tap[],
  asOfMs: number,
): Statement => computeStatement({ schedule, network: sampleNetwork, concession, taps, asOfMs });

function scenario(seed: number): { random: Random; history: Tap[]; concession: ConcessionClass; finalAsOfMs: number } {
  const random = seededRandom(seed);
  const history = randomHistory(random, randomInt(random, 1, 90));
  const concession = pick(random, concessionClasses);
  const lastMs = history[history.length - 1]?.atMs ?? 0;
  return { random, history, concession, finalAsOfMs: lastMs + 3 * 86_400_000 };
}

function assertWithinCaps(result: Statement, schedule: FareSchedule, label: string): void {
  const rules = schedule.versions[0];
  assert.ok(rules !== undefined);
  const cap = rules.caps[result.concession];
  const byDay = new Map<number, bigint>();
  for (const journey of result.journeys) {
    assert.ok(
      journey.chargedMinor >= 0n && journey.chargedMinor <= journey.fareMinor,
      `${label}: charge within the fare`,
    );
    assert.equal(journey.chargedMinor + journey.cappedMinor, journey.fareMinor, `${label}: fare = charged + capped`);
    const day = parseServiceDate(journey.serviceDate, 'serviceDate');
    byDay.set(day, (byDay.get(day) ?? 0n) + journey.chargedMinor);
  }
  for (const [day, charged] of byDay) {
    assert.ok(charged <= cap.dailyMinor, `${label}: day ${day} charged ${String(charged)} over the daily cap`);
    // The rolling window ending on each charged day bounds every 7-day window (its charges lie within one of them).
    const window = weeklyCapWindow(day, rules.weeklyCapPeriod);
    assert.ok(chargedWithin(byDay, window) <= cap.weeklyMinor, `${label}: week of day ${day} over the weekly cap`);
  }
  const total = [...byDay.values()].reduce((sum, value) => sum + value, 0n);
  assert.equal(result.totalChargedMinor, total, `${label}: total is the sum of the charges`);
}

test('fares - property: the capped total never exceeds the daily cap of any day or the weekly cap of any week', () => {
  for (const [name, schedule] of schedules) {
    for (let seed = 1; seed <= runs; seed += 1) {
      const { history, concession, finalAsOfMs } = scenario(seed);
      assertWithinCaps(statement(schedule, concession, history, finalAsOfMs), schedule, `${name} seed ${seed}`);
    }
  }
});

interface Settlement {
  readonly final: Statement;
  readonly oneShot: Statement;
  readonly ledger: ReadonlyMap<string, ChargedJourney>;
  /** The signed sum of every adjustment. */
  readonly deltas: bigint;
  /** Every adjustment with what the ledger held for its journey just before. */
  readonly log: readonly (readonly [Adjustment, bigint])[];
}

/** Taps arrive in random batches and order (late uploads); each batch is priced and settled incrementally. */
function settleInBatches(schedule: FareSchedule, seed: number): Settlement {
  const { random, history, concession, finalAsOfMs } = scenario(seed);
  const ledger = new Map<string, ChargedJourney>();
  const log: (readonly [Adjustment, bigint])[] = [];
  let received: Tap[] = [];
  let asOfMs = history[0]?.atMs ?? finalAsOfMs;
  for (const batch of randomBatches(random, history)) {
    received = inTimeOrder([...received, ...batch.map((arrival) => arrival.tap)]);
    asOfMs = Math.max(asOfMs, ...batch.map((arrival) => arrival.arrivedAtMs));
    applyAdjustments(ledger, statement(schedule, concession, received, asOfMs), log);
  }
  const final = statement(schedule, concession, received, finalAsOfMs);
  applyAdjustments(ledger, final, log);
  const deltas = log.reduce(
    (sum, [adjustment]) => sum + (adjustment.kind === 'charge' ? adjustment.amountMinor : 0n - adjustment.amountMinor),
    0n,
  );
  return { final, oneShot: statement(schedule, concession, history, finalAsOfMs), ledger, deltas, log };
}

function applyAdjustments(
  ledger: Map<string, ChargedJourney>,
  result: Statement,
  log: (readonly [Adjustment, bigint])[],
): void {
  for (const adjustment of adjustmentsSince([...ledger.values()], result)) {
    const before = ledger.get(adjustment.journeyId)?.chargedMinor ?? 0n;
    log.push([adjustment, before]);
    const after = adjustment.kind === 'charge' ? before + adjustment.amountMinor : before - adjustment.amountMinor;
    if (after === 0n) ledger.delete(adjustment.journeyId);
    else
      ledger.set(adjustment.journeyId, {
        journeyId: adjustment.journeyId,
        serviceDate: adjustment.serviceDate,
        chargedMinor: after,
      });
  }
  assert.deepEqual(
    sorted([...ledger.values()]),
    sorted(chargedJourneys(result)),
    'the ledger after the adjustments is the statement',
  );
  assert.deepEqual(adjustmentsSince([...ledger.values()], result), [], 'settling again changes nothing');
}

function sorted(records: Iterable<ChargedJourney>): ChargedJourney[] {
  return [...records].sort((first, second) =>
    first.journeyId < second.journeyId ? -1 : first.journeyId > second.journeyId ? 1 : 0,
  );
}

test('fares - property: settling in any batches and arrival order gives the same total, and the deltas sum to it', () => {
  for (const [name, schedule] of schedules) {
    for (let seed = 1; seed <= runs; seed += 1) {
      const label = `${name} seed ${seed}`;
      const { final, oneShot, ledger, deltas } = settleInBatches(schedule, seed);
      assert.deepEqual(final, oneShot, `${label}: the same statement however the taps arrived`);
      assert.equal(deltas, oneShot.totalChargedMinor, `${label}: the deltas sum to the total`);
      assert.deepEqual(
        sorted(ledger.values()),
        sorted(chargedJourneys(oneShot)),
        `${label}: the ledger holds the final charges`,
      );
    }
  }
});

test('fares - property: charges are never negative and a refund never exceeds what the journey was charged', () => {
  let refunds = 0;
  for (const [name, schedule] of schedules) {
    for (let seed = 1; seed <= runs; seed += 1) {
      const label = `${name} seed ${seed}`;
      for (const [adjustment, before] of settleInBatches(schedule, seed).log) {
        assert.ok(adjustment.amountMinor > 0n, `${label}: an adjustment moves a positive amount`);
        assert.equal(adjustment.previousMinor, before, `${label}: previousMinor is what was charged`);
        if (adjustment.kind === 'refund') {
          refunds += 1;
          assert.ok(adjustment.amountMinor <= before, `${label}: a refund never exceeds the charge`);
        }
        assert.ok(adjustment.chargedMinor >= 0n, `${label}: a journey's charge is never negative`);
      }
    }
  }
  assert.ok(refunds > 100, `late taps caused refunds (${refunds}), so the property was exercised`);
});
