// @citypass/risk: risk scoring at authorization, decided in memory with no I/O and explained in plain words.
export { DecayingTotals, decayFactor, halfLivesMs, horizons, type Horizon } from './decay.ts';
export { maxReasons, outcomes, scoreDeclineReason } from './decision.ts';
export type { Decision, DecisionReason, Outcome, Stage } from './decision.ts';
export { defaultRuleSet } from './default_rule_set.ts';
export {
  maxShadowDeclineShare,
  RiskEngine,
  ShadowRefused,
  type BlockListKind,
  type RecordedEvent,
} from './engine.ts';
export { riskReasons, type RiskReason } from './errors.ts';
export {
  billLineFindings,
  checkBillLine,
  compareWithPeers,
  defaultPeerLimits,
  peerLimitsProblems,
  peerRatio,
  peerRuleVersion,
  quantityOverMaximum,
  type BillLineCheck,
  type BillLineCounts,
  type BillLineFinding,
  type PeerComparison,
  type PeerLimits,
} from './clinic_checks.ts';
export {
  channels,
  verifiedPaymentFacts,
  type Channel,
  type ClinicLine,
  type GateTap,
  type Place,
  type RiskEvent,
} from './event.ts';
export { feature, featureNames, featureRanges, isFeatureName, type FeatureName } from './features.ts';
export { operators, ruleKinds, RuleSetInvalid, validateRuleSet } from './rule_set.ts';
export type { Condition, Operator, Rule, RuleKind, RuleSet, Thresholds } from './rule_set.ts';
export { scoreDeclineRule, type ShadowReport } from './shadow.ts';
export { dayMs, minAmountSamples, type BlockLists, type StateSizes } from './state.ts';
export { factHorizonMs, lateEventGraceMs } from './horizon.ts';
export { recentTapWindowMs } from './tap_history.ts';
