// A rule set is versioned data (plain JSON): thresholds per merchant category and rules in four kinds, applied in
// the order block -> allow -> step_up -> score (Stripe Radar's order; Marble's points and thresholds).
// validateRuleSet checks a candidate whole and reports every problem at once; nothing is half-accepted.
import { RuleSetInvalid } from './errors.ts';
import { featureRanges, isFeatureName, type FeatureName } from './features.ts';

export { RuleSetInvalid };

export const ruleKinds = ['block', 'allow', 'step_up', 'score'] as const;
export type RuleKind = (typeof ruleKinds)[number];
export const operators = ['<', '<=', '>', '>=', '==', '!='] as const;
export type Operator = (typeof operators)[number];

export type Condition = { readonly feature: FeatureName; readonly op: Operator; readonly value: number };

export type Rule = {
  readonly id: string;
  readonly version: number;
  readonly kind: RuleKind;
  /** Every condition must hold for the rule to match. */
  readonly when: readonly Condition[];
  /** Score rules only: points added to the score (1-99). */
  readonly points?: number;
  /** Block and step-up rules: the stable reason the caller receives. */
  readonly reason?: string;
  /** Plain words for the resident; `{feature_name}` is replaced by that feature's value. */
  readonly explanation: string;
};

export type Thresholds = { readonly review: number; readonly decline: number };

export type RuleSet = {
  readonly version: string;
  /** Per merchant category, and `default` for the rest. */
  readonly thresholds: Readonly<Record<string, Thresholds>>;
  readonly rules: readonly Rule[];
};

const reasonPattern = /^[A-Z][A-Z0-9_]{2,63}$/;
const placeholderPattern = /\{([a-z0-9_]+)\}/g;

/** Returns `input` as a RuleSet, or throws RuleSetInvalid naming every problem. */
export function validateRuleSet(input: unknown): RuleSet {
  const problems: string[] = [];
  if (!isRecord(input)) throw new RuleSetInvalid(['rule set must be an object']);
  if (typeof input.version !== 'string' || input.version === '') problems.push('version must be a non-empty string');
  problems.push(...thresholdProblems(input.thresholds));
  if (!Array.isArray(input.rules)) problems.push('rules must be a list');
  else {
    const seen = new Set<string>();
    for (const [index, rule] of (input.rules as unknown[]).entries()) {
      const id = isRecord(rule) && typeof rule.id === 'string' ? rule.id : '';
      if (id !== '' && seen.has(id)) problems.push(`rules[${index}]: duplicate rule id "${id}"`);
      seen.add(id);
      problems.push(
        ...ruleProblems(rule).map((problem) => `rules[${index}]${id === '' ? '' : ` (${id})`}: ${problem}`),
      );
    }
  }
  if (problems.length > 0) throw new RuleSetInvalid(problems);
  return input as RuleSet;
}

function thresholdProblems(thresholds: unknown): string[] {
  if (!isRecord(thresholds)) return ['thresholds must be an object of categories'];
  const problems: string[] = [];
  if (!Object.hasOwn(thresholds, 'default')) problems.push('thresholds.default is missing');
  for (const [category, value] of Object.entries(thresholds)) {
    if (!isRecord(value)) {
      problems.push(`thresholds.${category} must be { review, decline }`);
      continue;
    }
    const { review, decline } = value;
    for (const [name, level] of [
      ['review', review],
      ['decline', decline],
    ] as const) {
      if (!isScore(level)) problems.push(`thresholds.${category}.${name} must be a whole number from 0 to 99`);
    }
    if (isScore(review) && isScore(decline) && review >= decline) {
      problems.push(`thresholds.${category}: review (${review}) must be below decline (${decline})`);
    }
  }
  return problems;
}

function ruleProblems(rule: unknown): string[] {
  if (!isRecord(rule)) return ['must be an object'];
  const problems: string[] = [];
  if (typeof rule.id !== 'string' || rule.id === '') problems.push('id must be a non-empty string');
  if (!Number.isInteger(rule.version) || (rule.version as number) < 1)
    problems.push('version must be a whole number >= 1');
  const kind = rule.kind as RuleKind;
  if (!ruleKinds.includes(kind)) problems.push(`kind must be one of ${ruleKinds.join(', ')}`);
  if (kind === 'score' && !(isScore(rule.points) && rule.points > 0))
    problems.push('points must be a whole number from 1 to 99');
  if (kind !== 'score' && rule.points !== undefined) problems.push(`a ${kind} rule has no points`);
  if (
    (kind === 'block' || kind === 'step_up') &&
    !(typeof rule.reason === 'string' && reasonPattern.test(rule.reason))
  ) {
    problems.push('reason must be an UPPER_SNAKE_CASE string');
  }
  if (!Array.isArray(rule.when)) problems.push('when must be a list of conditions');
  else {
    if (rule.when.length === 0 && kind !== 'score')
      problems.push(`a ${kind} rule with no condition matches everything`);
    for (const [index, condition] of (rule.when as unknown[]).entries()) {
      problems.push(...conditionProblems(condition).map((problem) => `when[${index}]: ${problem}`));
    }
  }
  if (typeof rule.explanation !== 'string' || rule.explanation === '') problems.push('explanation must be plain words');
  else {
    for (const [, name = ''] of rule.explanation.matchAll(placeholderPattern)) {
      if (!isFeatureName(name)) problems.push(`explanation names unknown feature "${name}"`);
    }
  }
  return problems;
}

function conditionProblems(condition: unknown): string[] {
  if (!isRecord(condition)) return ['must be { feature, op, value }'];
  const problems: string[] = [];
  if (typeof condition.feature !== 'string' || !isFeatureName(condition.feature)) {
    problems.push(`unknown feature "${String(condition.feature)}"`);
  }
  if (!operators.includes(condition.op as Operator)) problems.push(`op must be one of ${operators.join(' ')}`);
  if (typeof condition.value !== 'number' || !Number.isFinite(condition.value))
    problems.push('value must be a finite number');
  else if (typeof condition.feature === 'string' && isFeatureName(condition.feature)) {
    const [lowest, highest] = featureRanges[condition.feature];
    if (condition.value < lowest || condition.value > highest)
      problems.push(`value ${condition.value} is outside ${condition.feature}'s range ${lowest} to ${highest}`);
  }
  return problems;
}

function isScore(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 99;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
