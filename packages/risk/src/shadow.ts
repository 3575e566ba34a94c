// A candidate rule set decided beside the live one on the same features: what it would have done differently.
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
  /** Every decline the candidate made, whatever live did. */
  readonly candidateDeclines: number;
};

export class ShadowTally {
  private readonly counts = {
    decisions: 0,
    same: 0,
    wouldDecline: 0,
    wouldApprove: 0,
    wouldStepUp: 0,
    candidateDeclines: 0,
  };
  private readonly candidateVersion: string;

  constructor(candidateVersion: string) {
    this.candidateVersion = candidateVersion;
  }

  count(live: Decision, candidate: Decision): void {
    const counts = this.counts;
    counts.decisions += 1;
    if (candidate.outcome === 'decline') counts.candidateDeclines += 1;
    if (live.outcome === candidate.outcome) {
      counts.same += 1;
      return;
    }
    if (candidate.outcome === 'decline') counts.wouldDecline += 1;
    else if (candidate.outcome === 'step_up') counts.wouldStepUp += 1;
    else if (candidate.outcome === 'approve') counts.wouldApprove += 1;
  }

  report(): ShadowReport {
    return { candidateVersion: this.candidateVersion, ...this.counts };
  }
}
