// A candidate rule set decided beside the live one on the same features: what it would have done differently.
// Every decision lands in exactly one of same / wouldDecline / wouldStepUp / wouldReview / wouldApprove, so the
// counts add up to `decisions`; the candidate's new declines are also counted by the rule behind them.
import type { Decision } from './decision.ts';

export type ShadowReport = {
  readonly candidateVersion: string;
  readonly decisions: number;
  readonly same: number;
  /** Live did not decline, the candidate would have. */
  readonly wouldDecline: number;
  /** Live declined, stepped up or sent to review; the candidate would have approved. */
  readonly wouldApprove: number;
  /** Live did not step up, the candidate would have. */
  readonly wouldStepUp: number;
  /** Live approved, declined or stepped up; the candidate would have sent it to review. */
  readonly wouldReview: number;
  /** Every decline the candidate made, whatever live did. */
  readonly candidateDeclines: number;
  /** Every decline live made while the candidate ran. */
  readonly liveDeclines: number;
  /** The candidate's would-have-declined payments by the rule that decided (a block rule's id, or `score`). */
  readonly wouldDeclineByRule: Readonly<Record<string, number>>;
};

/** The rule a decline is counted under: the block rule that decided, or `score` for a decline by score. */
export const scoreDeclineRule = 'score';

export class ShadowTally {
  private readonly counts = {
    decisions: 0,
    same: 0,
    wouldDecline: 0,
    wouldApprove: 0,
    wouldStepUp: 0,
    wouldReview: 0,
    candidateDeclines: 0,
    liveDeclines: 0,
  };
  private readonly byRule = new Map<string, number>();
  private readonly candidateVersion: string;

  constructor(candidateVersion: string) {
    this.candidateVersion = candidateVersion;
  }

  count(live: Decision, candidate: Decision): void {
    const counts = this.counts;
    counts.decisions += 1;
    if (candidate.outcome === 'decline') counts.candidateDeclines += 1;
    if (live.outcome === 'decline') counts.liveDeclines += 1;
    if (live.outcome === candidate.outcome) {
      counts.same += 1;
      return;
    }
    switch (candidate.outcome) {
      case 'decline': {
        counts.wouldDecline += 1;
        const rule =
          candidate.stage === 'block' ? (candidate.reasons[0]?.ruleId ?? scoreDeclineRule) : scoreDeclineRule;
        this.byRule.set(rule, (this.byRule.get(rule) ?? 0) + 1);
        return;
      }
      case 'step_up':
        counts.wouldStepUp += 1;
        return;
      case 'review':
        counts.wouldReview += 1;
        return;
      case 'approve':
        counts.wouldApprove += 1;
        return;
    }
  }

  report(): ShadowReport {
    return {
      candidateVersion: this.candidateVersion,
      ...this.counts,
      wouldDeclineByRule: Object.fromEntries([...this.byRule].sort(([left], [right]) => left.localeCompare(right))),
    };
  }
}
