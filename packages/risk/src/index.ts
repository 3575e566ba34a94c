// @citypass/risk: risk scoring at authorization, decided in memory with no I/O and explained in plain words.
export { DecayingTotals, decayFactor, halfLivesMs, horizons, type Horizon } from './decay.ts';
export { maxReasons, outcomes, scoreDeclineReason } from './decision.ts';
export type { Decision, DecisionReason, Outcome, Stage } from './decision.ts';
export { defaultRuleSet } from './default_rule_set.ts';
export { RiskEngine, ShadowRefused, type BlockListKind } from './engine.ts';
export { channels, type Channel, type ClinicLine, type Place, type RiskEvent } from './event.ts';
export { feature, featureNames, isFeatureName, type FeatureName } from './features.ts';
export { operators, ruleKinds, RuleSetInvalid, validateRuleSet } from './rule_set.ts';
export type { Condition, Operator, Rule, RuleKind, RuleSet, Thresholds } from './rule_set.ts';
export type { ShadowReport } from './shadow.ts';
export { dayMs } from './state.ts';
