// The risk rule sets as the wallet keeps them (issue 13): one live (the built-in one until a candidate is first
// promoted), at most one candidate deciding in shadow beside it, both stored (store/risk_rule_sets.ts) and followed
// by every instance (workers/risk_rules_follow.ts). Here: what app/ needs from the store, the sum of the instances'
// shadow tallies, the promotion rule, and the messages.
import type { RiskRuleSet, RiskShadowTally } from '@citypass/proto/wallet/v1/risk_rule_sets';
import { defaultRuleSet, type RuleSet, type ShadowReport } from '@citypass/risk';

export interface StoredRuleSet {
  readonly ruleSet: RuleSet;
  readonly createdAt: Date;
  /** The operator's subject. */
  readonly createdBy: string;
  readonly promotedAt: Date | undefined;
  readonly promotedBy: string;
}

export interface CurrentRuleSets {
  /** Undefined: the built-in rule set is live. */
  readonly live: StoredRuleSet | undefined;
  readonly candidate: StoredRuleSet | undefined;
}

export type PutOutcome = 'started' | 'repeat' | 'version_used';

export interface RiskRuleSetStore {
  current(): Promise<CurrentRuleSets>;
  /**
   * Stores `ruleSet` as the candidate, withdrawing any other one: `repeat` when it already is the candidate with this
   * content, `version_used` (nothing changed) when its version names another content or an earlier rule set.
   */
  putCandidate(ruleSet: RuleSet, operator: string, at: Date): Promise<PutOutcome>;
  /** Overwrites this instance's running tally of the candidate it shadows (never with a smaller one). */
  writeTally(report: ShadowReport, instanceId: string, at: Date): Promise<void>;
  /** Every instance's tally of `version`. */
  tallies(version: string): Promise<ShadowReport[]>;
  /**
   * In one transaction, under a lock that serializes puts and promotions: when `version` is live already, it as is
   * (promoted false); when it is not the candidate, undefined; else `check` (which throws to refuse) on the summed
   * tallies, then the candidate made live and the live one retired.
   */
  promote(
    version: string,
    operator: string,
    at: Date,
    check: (tally: ShadowReport) => void,
  ): Promise<{ readonly live: StoredRuleSet; readonly tally: ShadowReport; readonly promoted: boolean } | undefined>;
}

/** Brings this instance's engine in step with the store (writing its shadow tally first); one run at a time. */
export interface RiskRulesSync {
  sync(): Promise<void>;
}

/** What promotion asks of a candidate's shadow tally. */
export interface PromotionLimits {
  readonly minDecisions: number;
  /** The largest share of its decisions a candidate may decline where live did not. */
  readonly maxDeclineShare: number;
}

export function liveRuleSet(current: CurrentRuleSets): RuleSet {
  return current.live?.ruleSet ?? defaultRuleSet;
}

/** The instances' tallies of `version` as one. */
export function sumShadowReports(version: string, reports: readonly ShadowReport[]): ShadowReport {
  const byRule = new Map<string, number>();
  const sum = (pick: (report: ShadowReport) => number): number =>
    reports.reduce((total, report) => total + pick(report), 0);
  for (const report of reports)
    for (const [rule, count] of Object.entries(report.wouldDeclineByRule))
      byRule.set(rule, (byRule.get(rule) ?? 0) + count);
  return {
    candidateVersion: version,
    decisions: sum((report) => report.decisions),
    same: sum((report) => report.same),
    wouldDecline: sum((report) => report.wouldDecline),
    wouldApprove: sum((report) => report.wouldApprove),
    wouldStepUp: sum((report) => report.wouldStepUp),
    wouldReview: sum((report) => report.wouldReview),
    candidateDeclines: sum((report) => report.candidateDeclines),
    liveDeclines: sum((report) => report.liveDeclines),
    wouldDeclineByRule: Object.fromEntries([...byRule].sort(([left], [right]) => left.localeCompare(right))),
  };
}

export function builtInMessage(): RiskRuleSet {
  return messageOf(defaultRuleSet, { builtIn: true });
}

export function storedMessage(stored: StoredRuleSet): RiskRuleSet {
  return messageOf(stored.ruleSet, {
    builtIn: false,
    createdAt: stored.createdAt,
    createdBy: stored.createdBy,
    ...(stored.promotedAt === undefined ? {} : { promotedAt: stored.promotedAt }),
    promotedBy: stored.promotedBy,
  });
}

function messageOf(ruleSet: RuleSet, extra: Partial<RiskRuleSet>): RiskRuleSet {
  return {
    version: ruleSet.version,
    ruleSetJson: JSON.stringify(ruleSet),
    builtIn: false,
    ruleCount: ruleSet.rules.length,
    createdBy: '',
    promotedBy: '',
    ...extra,
  };
}

export function tallyMessage(report: ShadowReport): RiskShadowTally {
  return {
    decisions: report.decisions,
    same: report.same,
    wouldDecline: report.wouldDecline,
    wouldApprove: report.wouldApprove,
    wouldStepUp: report.wouldStepUp,
    wouldReview: report.wouldReview,
    candidateDeclines: report.candidateDeclines,
    liveDeclines: report.liveDeclines,
    wouldDeclineByRule: { ...report.wouldDeclineByRule },
  };
}
