import assert from 'node:assert/strict';
import test from 'node:test';
import { generateCity } from './city/index.ts';
import type { Decision, Outcome } from './decision.ts';
import { defaultRuleSet } from './default_rule_set.ts';
import { RiskEngine } from './engine.ts';
import type { RuleSet } from './rule_set.ts';
import { ShadowTally } from './shadow.ts';

function decision(outcome: Outcome, blockRule?: string): Decision {
  return {
    outcome,
    stage: blockRule === undefined ? 'score' : 'block',
    score: blockRule === undefined ? 50 : null,
    reasons:
      blockRule === undefined
        ? []
        : [{ ruleId: blockRule, ruleVersion: 1, points: 0, features: {}, explanation: 'blocked' }],
    ruleSetVersion: 'v',
    reason: null,
    explanation: '',
  };
}

test('shadow - every pair of live and candidate outcomes lands in exactly one count', () => {
  const outcomes: Outcome[] = ['approve', 'review', 'step_up', 'decline'];
  const tally = new ShadowTally('candidate');
  for (const live of outcomes) for (const candidate of outcomes) tally.count(decision(live), decision(candidate));
  tally.count(decision('approve'), decision('decline', 'night_block'));
  tally.count(decision('review'), decision('decline', 'night_block'));
  const report = tally.report();
  assert.deepEqual(report, {
    candidateVersion: 'candidate',
    decisions: 18,
    same: 4,
    wouldDecline: 5,
    wouldApprove: 3,
    wouldStepUp: 3,
    wouldReview: 3,
    candidateDeclines: 6,
    liveDeclines: 4,
    wouldDeclineByRule: { night_block: 2, score: 3 },
  });
  const { same, wouldDecline, wouldApprove, wouldStepUp, wouldReview } = report;
  assert.equal(same + wouldDecline + wouldApprove + wouldStepUp + wouldReview, report.decisions);
});

test('shadow - on the seeded city a stricter candidate adds declines and review, and the counts add up', () => {
  const city = generateCity({ seed: 5, residents: 300, days: 20 });
  const strict: RuleSet = {
    ...defaultRuleSet,
    version: 'strict',
    thresholds: Object.fromEntries(
      Object.keys(defaultRuleSet.thresholds).map((category) => [category, { review: 10, decline: 30 }]),
    ),
  };
  const engine = new RiskEngine(defaultRuleSet);
  engine.startShadow(strict);
  const live = city.events.map((event) => engine.score(event));
  const report = engine.shadowReport();
  assert.ok(report !== undefined);
  assert.equal(report.decisions, city.events.length);
  assert.equal(report.liveDeclines, live.filter((each) => each.outcome === 'decline').length);
  assert.ok(report.wouldDecline > 0 && report.wouldReview > 0, JSON.stringify(report));
  assert.equal(report.wouldApprove, 0, 'lower thresholds never approve what live did not');
  const { same, wouldDecline, wouldApprove, wouldStepUp, wouldReview } = report;
  assert.equal(same + wouldDecline + wouldApprove + wouldStepUp + wouldReview, report.decisions);
  assert.deepEqual(Object.keys(report.wouldDeclineByRule), ['score']);
});
