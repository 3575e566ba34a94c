// A decision and why: the outcome, the score (none when a hard rule declined), the top reasons with the feature
// values behind them, the rule set's version, a stable reason for a decline and words a resident can read.

export const outcomes = ['approve', 'review', 'step_up', 'decline'] as const;
export type Outcome = (typeof outcomes)[number];
/** Which step of block -> allow -> step_up -> score decided. */
export type Stage = 'block' | 'allow' | 'step_up' | 'score';

export type DecisionReason = {
  readonly ruleId: string;
  readonly ruleVersion: number;
  /** Points added to the score; 0 for block, allow and step-up rules. */
  readonly points: number;
  /** The values of the features the rule's conditions read. */
  readonly features: Readonly<Record<string, number>>;
  readonly explanation: string;
};

export type Decision = {
  readonly outcome: Outcome;
  readonly stage: Stage;
  /** 0-99; null when a block rule declined before scoring. */
  readonly score: number | null;
  /** The deciding rule first (block, allow, step-up), then the score rules by points, at most `maxReasons`. */
  readonly reasons: readonly DecisionReason[];
  readonly ruleSetVersion: string;
  /** Stable reason for a decline or step-up (the rule's, or RISK_SCORE_DECLINE); null otherwise. */
  readonly reason: string | null;
  readonly explanation: string;
};

export const maxReasons = 3;
/** The reason of a decline by score rather than by a block rule. */
export const scoreDeclineReason = 'RISK_SCORE_DECLINE';
