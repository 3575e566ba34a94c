// The evaluation protocol of issue 13 on the seeded city: the live rule set scores the tuning days (1-60); thresholds
// fitted on them become a candidate that runs in shadow through the 7-day gap and is then promoted (refused if it
// declined everything); the last 20 days are scored by it and measured against the labels.
import type { GeneratedCity, Label, Scenario } from './city/index.ts';
import { scenarios } from './city/index.ts';
import { defaultRuleSet } from './default_rule_set.ts';
import type { Decision } from './decision.ts';
import { RiskEngine } from './engine.ts';
import { atThreshold, precisionOfTop, precisionRecallAuc, type AtThreshold, type Ranked } from './metrics.ts';
import type { RuleSet, Thresholds } from './rule_set.ts';
import type { ShadowReport } from './shadow.ts';
import { dayMs } from './state.ts';
import { tuneThresholds, type TuningRow } from './tune.ts';

export type Protocol = {
  readonly tuneDays: number;
  readonly gapDays: number;
  readonly testDays: number;
  readonly maxHonestDeclineShare: number;
};
export const protocol: Protocol = { tuneDays: 60, gapDays: 7, testDays: 20, maxHonestDeclineShare: 0.0002 };

export type ScenarioRecall = {
  readonly events: number;
  readonly stopped: number;
  readonly flagged: number;
  readonly recallStopped: number;
  readonly recallFlagged: number;
};

export type Evaluation = {
  readonly tunedVersion: string;
  readonly tunedThresholds: Readonly<Record<string, Thresholds>>;
  readonly shadow: ShadowReport;
  readonly testEvents: number;
  readonly testFrauds: number;
  /** Rank = score, or 100 for a block-rule decline. */
  readonly thresholds: readonly AtThreshold[];
  readonly prAuc: number;
  readonly bestF1: AtThreshold;
  readonly top100PrecisionPerDay: number;
  /** Decisions that stopped the payment (decline or step-up) against the labels. */
  readonly stopped: { readonly precision: number; readonly recall: number; readonly f1: number };
  readonly goodResidentsDeclinedShare: number;
  readonly goodPaymentsDeclinedShare: number;
  readonly recallByScenario: Readonly<Record<Scenario, ScenarioRecall>>;
  readonly stolenPhone: {
    readonly cases: number;
    readonly paymentsBeforeDeclineMean: number;
    readonly paymentsBeforeDeclineMax: number;
    readonly paymentsBeforeStopMean: number;
  };
};

type TestRow = Ranked & {
  readonly day: number;
  readonly decision: Decision;
  readonly label: Label | null;
  readonly residentId: string;
};

export function evaluate(
  city: GeneratedCity,
  base: RuleSet = defaultRuleSet,
  options: Protocol = protocol,
): Evaluation {
  const engine = new RiskEngine(base);
  const tuning: TuningRow[] = [];
  const test: TestRow[] = [];
  const gapStart = options.tuneDays;
  const testStart = options.tuneDays + options.gapDays;
  let tuned: RuleSet | undefined;
  let shadow: ShadowReport | undefined;
  for (const [index, event] of city.events.entries()) {
    const day = Math.floor((event.atMs - city.startMs) / dayMs);
    if (day >= testStart + options.testDays) break;
    if (day >= gapStart && tuned === undefined) {
      tuned = tuneThresholds(base, tuning, options.maxHonestDeclineShare);
      engine.startShadow(tuned);
    }
    if (day >= testStart && shadow === undefined) shadow = engine.promoteShadow();
    const decision = engine.score(event);
    const label = city.labels[index] ?? null;
    if (day < gapStart)
      tuning.push({ category: event.category, score: decision.score, stage: decision.stage, honest: label === null });
    if (day >= testStart) {
      test.push({
        rank: decision.score ?? 100,
        positive: label !== null,
        day,
        decision,
        label,
        residentId: event.residentId,
      });
    }
  }
  if (tuned === undefined || shadow === undefined) throw new Error('the city is shorter than the protocol');
  return { tunedVersion: tuned.version, tunedThresholds: tuned.thresholds, shadow, ...measure(test) };
}

function measure(rows: readonly TestRow[]): Omit<Evaluation, 'tunedVersion' | 'tunedThresholds' | 'shadow'> {
  const thresholds = Array.from({ length: 20 }, (_, step) => atThreshold(rows, step * 5 + 5));
  const bestF1 = thresholds.reduce((best, row) => (row.f1 > best.f1 ? row : best));
  const days = new Map<number, TestRow[]>();
  for (const row of rows) days.set(row.day, [...(days.get(row.day) ?? []), row]);
  const top100 = [...days.values()].map((dayRows) => precisionOfTop(dayRows, 100));
  return {
    testEvents: rows.length,
    testFrauds: rows.filter((row) => row.positive).length,
    thresholds,
    prAuc: precisionRecallAuc(rows),
    bestF1,
    top100PrecisionPerDay: top100.reduce((sum, value) => sum + value, 0) / Math.max(1, top100.length),
    stopped: stoppedFigures(rows),
    ...honestDeclines(rows),
    recallByScenario: recallByScenario(rows),
    stolenPhone: stolenPhoneFigures(rows),
  };
}

const isStopped = (decision: Decision) => decision.outcome === 'decline' || decision.outcome === 'step_up';

function stoppedFigures(rows: readonly TestRow[]): Evaluation['stopped'] {
  const stopped = rows.filter((row) => isStopped(row.decision));
  const truePositives = stopped.filter((row) => row.positive).length;
  const positives = rows.filter((row) => row.positive).length;
  const precision = stopped.length === 0 ? 0 : truePositives / stopped.length;
  const recall = positives === 0 ? 0 : truePositives / positives;
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

/**
 * A good resident has honest payments in the test days and no part in any case (a victim whose credential was cloned
 * or whose account a thief bound is not counted); declined if any of their payments was.
 */
function honestDeclines(
  rows: readonly TestRow[],
): Pick<Evaluation, 'goodResidentsDeclinedShare' | 'goodPaymentsDeclinedShare'> {
  const involved = new Set(rows.filter((row) => row.positive).map((row) => row.residentId));
  const residents = new Map<string, boolean>();
  let honest = 0;
  let declined = 0;
  for (const row of rows) {
    if (row.positive || involved.has(row.residentId)) continue;
    honest += 1;
    const isDeclined = row.decision.outcome === 'decline';
    if (isDeclined) declined += 1;
    residents.set(row.residentId, (residents.get(row.residentId) ?? false) || isDeclined);
  }
  const declinedResidents = [...residents.values()].filter(Boolean).length;
  return {
    goodResidentsDeclinedShare: declinedResidents / Math.max(1, residents.size),
    goodPaymentsDeclinedShare: declined / Math.max(1, honest),
  };
}

function recallByScenario(rows: readonly TestRow[]): Record<Scenario, ScenarioRecall> {
  const counts = Object.fromEntries(
    scenarios.map((scenario) => [scenario, { events: 0, stopped: 0, flagged: 0 }]),
  ) as Record<Scenario, { events: number; stopped: number; flagged: number }>;
  for (const row of rows) {
    if (row.label === null) continue;
    const count = counts[row.label.scenario];
    count.events += 1;
    if (isStopped(row.decision)) count.stopped += 1;
    if (row.decision.outcome !== 'approve') count.flagged += 1;
  }
  return Object.fromEntries(
    scenarios.map((scenario) => {
      const { events, stopped, flagged } = counts[scenario];
      return [
        scenario,
        {
          events,
          stopped,
          flagged,
          recallStopped: stopped / Math.max(1, events),
          recallFlagged: flagged / Math.max(1, events),
        },
      ];
    }),
  ) as Record<Scenario, ScenarioRecall>;
}

/** Per stolen-phone case: payments the thief made before the first decline (a step-up is assumed passed: the thief bound the phone). */
function stolenPhoneFigures(rows: readonly TestRow[]): Evaluation['stolenPhone'] {
  const cases = new Map<number, Decision[]>();
  for (const row of rows) {
    if (row.label?.scenario !== 'stolen_phone') continue;
    cases.set(row.label.caseId, [...(cases.get(row.label.caseId) ?? []), row.decision]);
  }
  const before = (decisions: readonly Decision[], stops: (decision: Decision) => boolean) => {
    const first = decisions.findIndex(stops);
    return (first === -1 ? decisions : decisions.slice(0, first)).filter((decision) => decision.outcome !== 'decline')
      .length;
  };
  const beforeDecline = [...cases.values()].map((decisions) =>
    before(decisions, (decision) => decision.outcome === 'decline'),
  );
  const beforeStop = [...cases.values()].map((decisions) => before(decisions, isStopped));
  const mean = (values: readonly number[]) =>
    values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  return {
    cases: cases.size,
    paymentsBeforeDeclineMean: mean(beforeDecline),
    paymentsBeforeDeclineMax: Math.max(0, ...beforeDecline),
    paymentsBeforeStopMean: mean(beforeStop),
  };
}
