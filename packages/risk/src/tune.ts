// Fitting on the tuning days: per merchant category, the lowest decline threshold whose share of honest payments
// declined by score stays within the target, with review 15 points below it. A payment an allow rule approved is
// never declined by score whatever the threshold, so it counts among the payments but not among those a threshold
// would decline. The result is a new rule set version (data), validated like any other.
import type { Stage } from './decision.ts';
import { validateRuleSet, type RuleSet, type Thresholds } from './rule_set.ts';

/**
 * One scored payment of the tuning days: its category, its score (null when a block rule declined), the stage that
 * decided it, honest or not.
 */
export type TuningRow = {
  readonly category: string;
  readonly score: number | null;
  readonly stage: Stage;
  readonly honest: boolean;
};

export const lowestDeclineThreshold = 40;
export const reviewBelowDecline = 15;

export function tuneThresholds(base: RuleSet, rows: readonly TuningRow[], maxHonestDeclineShare: number): RuleSet {
  const honest = new Map<string, { payments: number; histogram: number[] }>();
  for (const row of rows) {
    if (!row.honest || row.score === null) continue;
    let category = honest.get(row.category);
    if (category === undefined)
      honest.set(row.category, (category = { payments: 0, histogram: new Array<number>(100).fill(0) }));
    category.payments += 1;
    if (row.stage !== 'allow') category.histogram[row.score] = (category.histogram[row.score] ?? 0) + 1;
  }
  const thresholds: Record<string, Thresholds> = { ...base.thresholds };
  for (const [category, { payments, histogram }] of honest) {
    let atOrAbove = 0;
    let decline = 99;
    for (let threshold = 99; threshold >= lowestDeclineThreshold; threshold -= 1) {
      atOrAbove += histogram[threshold] ?? 0;
      if (atOrAbove / payments > maxHonestDeclineShare) break;
      decline = threshold;
    }
    thresholds[category] = { review: Math.max(0, decline - reviewBelowDecline), decline };
  }
  return validateRuleSet({ ...base, version: `${base.version}+tuned`, thresholds });
}
