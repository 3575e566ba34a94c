// A validated rule set turned into arrays the decision loop reads without lookups, and the decision itself:
// block -> allow -> step_up (never at a gate: it decides offline; not when the score already declines) -> additive
// score against the category's thresholds.
import type { RiskEvent } from './event.ts';
import { feature, featureNames, type FeatureName } from './features.ts';
import { maxReasons, scoreDeclineReason, type Decision, type DecisionReason } from './decision.ts';
import { validateRuleSet, type Operator, type Rule, type RuleSet, type Thresholds } from './rule_set.ts';

type CompiledRule = {
  readonly rule: Rule;
  readonly features: Int32Array;
  readonly operators: readonly Operator[];
  readonly values: Float64Array;
  /** The names of `features`, in order: the keys of a reason's feature values. */
  readonly featureNames: readonly string[];
  /**
   * The explanation split at its placeholders: text[0], the value of feature slots[0], text[1], ... text[n]. Filled
   * in per reason without a regular expression (the replace was a third of the engine's own CPU in the wallet).
   */
  readonly text: readonly string[];
  readonly slots: Int32Array;
};

/** A score rule that matched, and the points it adds. */
type Matched = { readonly rule: CompiledRule; readonly points: number };

export class CompiledRuleSet {
  readonly ruleSet: RuleSet;
  private readonly block: CompiledRule[];
  private readonly allow: CompiledRule[];
  private readonly stepUp: CompiledRule[];
  private readonly score: CompiledRule[];
  private readonly thresholds: Map<string, Thresholds>;
  private readonly defaultThresholds: Thresholds;

  /** Validates `input` (throws RuleSetInvalid listing every problem) and compiles it. */
  constructor(input: unknown) {
    const ruleSet = validateRuleSet(structuredClone(input));
    this.ruleSet = ruleSet;
    const compiled = ruleSet.rules.map(compile);
    this.block = compiled.filter(({ rule }) => rule.kind === 'block');
    this.allow = compiled.filter(({ rule }) => rule.kind === 'allow');
    this.stepUp = compiled.filter(({ rule }) => rule.kind === 'step_up');
    this.score = compiled.filter(({ rule }) => rule.kind === 'score');
    this.thresholds = new Map(Object.entries(ruleSet.thresholds));
    const defaults = this.thresholds.get('default');
    if (defaults === undefined) throw new Error('validated rule set has default thresholds');
    this.defaultThresholds = defaults;
  }

  decide(event: RiskEvent, values: Float64Array): Decision {
    const version = this.ruleSet.version;
    const blocking = firstMatch(this.block, values);
    if (blocking !== undefined) {
      const reason = reasonOf(blocking, values, 0);
      const explanation = `Declined: ${reason.explanation}`;
      return {
        outcome: 'decline',
        stage: 'block',
        score: null,
        reasons: [reason],
        ruleSetVersion: version,
        reason: blocking.rule.reason ?? scoreDeclineReason,
        explanation,
      };
    }
    // Only the reasons a decision shows are made (at most maxReasons, strongest first): every matching rule adds its
    // points, but one reason per match was made and then cut.
    // The matches are kept strongest first as they are found, rules of equal points in the rule set's order: an
    // insertion into a few. Array.prototype.sort allocated a work array on every decision, and a for-of loop here
    // an iterator result per rule (the sampling heap profile of a wallet under load).
    const matched: Matched[] = [];
    let score = 0;
    for (let index = 0; index < this.score.length; index += 1) {
      const rule = this.score[index] as CompiledRule;
      if (!matches(rule, values)) continue;
      const points = rule.rule.points ?? 0;
      score += points;
      const match = { rule, points };
      let at = matched.length;
      matched.push(match);
      for (; at > 0 && (matched[at - 1] as Matched).points < points; at -= 1) matched[at] = matched[at - 1] as Matched;
      matched[at] = match;
    }
    score = Math.min(99, score);
    // The reasons shown: `first` (the deciding rule's), then the strongest matches, maxReasons in all.
    const shown = (first?: DecisionReason): DecisionReason[] => {
      const reasons: DecisionReason[] = first === undefined ? [] : [first];
      for (let index = 0; index < matched.length && reasons.length < maxReasons; index += 1) {
        const match = matched[index] as Matched;
        reasons.push(reasonOf(match.rule, values, match.points));
      }
      return reasons;
    };
    const allowing = firstMatch(this.allow, values);
    if (allowing !== undefined) {
      const reasons = shown(reasonOf(allowing, values, 0));
      return {
        outcome: 'approve',
        stage: 'allow',
        score,
        reasons,
        ruleSetVersion: version,
        reason: null,
        explanation: `Approved: ${reasons[0]?.explanation ?? ''}`,
      };
    }
    const { review, decline } = this.thresholds.get(event.category) ?? this.defaultThresholds;
    // A step-up asks for what the score alone would let through; a score at the decline threshold declines.
    const steppingUp = event.channel === 'gate' || score >= decline ? undefined : firstMatch(this.stepUp, values);
    if (steppingUp !== undefined) {
      const reasons = shown(reasonOf(steppingUp, values, 0));
      const explanation = `Please confirm on your phone: ${reasons[0]?.explanation ?? ''}`;
      return {
        outcome: 'step_up',
        stage: 'step_up',
        score,
        reasons,
        ruleSetVersion: version,
        reason: steppingUp.rule.reason ?? null,
        explanation,
      };
    }
    const reasons = shown();
    const because = reasons.map((reason) => reason.explanation).join('; ');
    if (score >= decline) {
      return {
        outcome: 'decline',
        stage: 'score',
        score,
        reasons,
        ruleSetVersion: version,
        reason: scoreDeclineReason,
        explanation: `Declined because ${because}.`,
      };
    }
    if (score >= review) {
      return {
        outcome: 'review',
        stage: 'score',
        score,
        reasons,
        ruleSetVersion: version,
        reason: null,
        explanation: `Approved, to be checked because ${because}.`,
      };
    }
    return {
      outcome: 'approve',
      stage: 'score',
      score,
      reasons,
      ruleSetVersion: version,
      reason: null,
      explanation: 'Approved.',
    };
  }
}

function compile(rule: Rule): CompiledRule {
  const features = Int32Array.from(rule.when, (condition) => feature[condition.feature]);
  const text: string[] = [];
  const slots: number[] = [];
  let from = 0;
  for (const placeholder of rule.explanation.matchAll(/\{([a-z0-9_]+)\}/g)) {
    text.push(rule.explanation.slice(from, placeholder.index));
    // Validation admits feature names only.
    slots.push(feature[placeholder[1] as FeatureName]);
    from = placeholder.index + placeholder[0].length;
  }
  text.push(rule.explanation.slice(from));
  return {
    rule,
    features,
    operators: rule.when.map((condition) => condition.op),
    values: Float64Array.from(rule.when, (condition) => condition.value),
    featureNames: Array.from(features, (index) => featureNames[index] ?? ''),
    text,
    slots: Int32Array.from(slots),
  };
}

function firstMatch(rules: readonly CompiledRule[], values: Float64Array): CompiledRule | undefined {
  for (let index = 0; index < rules.length; index += 1) {
    const rule = rules[index] as CompiledRule;
    if (matches(rule, values)) return rule;
  }
  return undefined;
}

function matches(rule: CompiledRule, values: Float64Array): boolean {
  for (let index = 0; index < rule.features.length; index += 1) {
    const value = values[rule.features[index] ?? 0] ?? 0;
    const limit = rule.values[index] ?? 0;
    if (!holds(rule.operators[index] ?? '==', value, limit)) return false;
  }
  return true;
}

function holds(operator: Operator, value: number, limit: number): boolean {
  switch (operator) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '==':
      return value === limit;
    case '!=':
      return value !== limit;
  }
}

function reasonOf(compiled: CompiledRule, values: Float64Array, points: number): DecisionReason {
  const features: Record<string, number> = {};
  for (let index = 0; index < compiled.features.length; index += 1)
    features[compiled.featureNames[index] ?? ''] = rounded(values[compiled.features[index] ?? 0] ?? 0);
  let explanation = compiled.text[0] ?? '';
  for (let slot = 0; slot < compiled.slots.length; slot += 1)
    explanation += String(rounded(values[compiled.slots[slot] ?? 0] ?? 0)) + (compiled.text[slot + 1] ?? '');
  return { ruleId: compiled.rule.id, ruleVersion: compiled.rule.version, points, features, explanation };
}

function rounded(value: number): number {
  return Math.round(value * 10) / 10;
}
