// Fitting on the tuning days: per merchant category, the lowest decline threshold whose share of honest payments
// declined by score stays within the target, with review 15 points below it. The result is a new rule set
// version (data), validated like any other.
import { validateRuleSet, type RuleSet, type Thresholds } from './rule_set.ts';

/** One scored payment of the tuning days: its category, its score (null when a block rule declined), honest or not. */
export type TuningRow = { readonly category: string; readonly score: number | null; readonly honest: boolean };

export const lowestDeclineThreshold = 40;
export const reviewBelowDecline = 15;

export function tuneThresholds(base: RuleSet, rows: readonly TuningRow[], maxHonestDeclineShare: number): RuleSet {
  const honestScores = new Map<string, number[]>();
  for (const row of rows) {
    if (!row.honest || row.score === null) continue;
    let scores = honestScores.get(row.category);
    if (scores === undefined) honestScores.set(row.category, (scores = []));
    scores.push(row.score);
  }
  const thresholds: Record<string, Thresholds> = { ...base.thresholds };
  for (const [category, scores] of honestScores) {
    const histogram = new Array<number>(100).fill(0);
    for (const score of scores) histogram[score] = (histogram[score] ?? 0) + 1;
    let atOrAbove = 0;
    let decline = 99;
    for (let threshold = 99; threshold >= lowestDeclineThreshold; threshold -= 1) {
      atOrAbove += histogram[threshold] ?? 0;
      if (atOrAbove / scores.length > maxHonestDeclineShare) break;
      decline = threshold;
    }
    thresholds[category] = { review: Math.max(0, decline - reviewBelowDecline), decline };
  }
  return validateRuleSet({ ...base, version: `${base.version}+tuned`, thresholds });
}
