import assert from 'node:assert/strict';
import test from 'node:test';
import { defaultRuleSet } from './default_rule_set.ts';
import { lowestDeclineThreshold, tuneThresholds, type TuningRow } from './tune.ts';

const rows = (count: number, row: Omit<TuningRow, 'category'>): TuningRow[] =>
  Array.from({ length: count }, () => ({ category: 'fare', ...row }));

test('tune - the lowest decline threshold that keeps honest declines by score within the share', () => {
  const tuned = tuneThresholds(
    defaultRuleSet,
    [
      ...rows(9_998, { score: 0, stage: 'score', honest: true }),
      ...rows(2, { score: 70, stage: 'score', honest: true }),
      ...rows(50, { score: 90, stage: 'score', honest: false }),
    ],
    0.0001,
  );
  assert.deepEqual(tuned.thresholds.fare, { review: 56, decline: 71 });
  assert.equal(tuned.version, `${defaultRuleSet.version}+tuned`);
  const looser = tuneThresholds(defaultRuleSet, rows(10_000, { score: 70, stage: 'score', honest: true }), 0.5);
  assert.equal(looser.thresholds.fare?.decline, 71, 'every honest payment at 70: only above it');
});

test('tune - payments an allow rule approved count among payments, never among those a threshold declines', () => {
  const tuned = tuneThresholds(
    defaultRuleSet,
    [
      ...rows(9_000, { score: 0, stage: 'score', honest: true }),
      ...rows(1_000, { score: 95, stage: 'allow', honest: true }),
    ],
    0.0001,
  );
  assert.deepEqual(tuned.thresholds.fare, { review: lowestDeclineThreshold - 15, decline: lowestDeclineThreshold });
  const blocked = tuneThresholds(defaultRuleSet, rows(10, { score: null, stage: 'block', honest: true }), 0.0001);
  assert.deepEqual(blocked.thresholds.fare, defaultRuleSet.thresholds.fare, 'no scored payment, nothing to fit');
});
