// The risk engine: decide(event) decides one authorization synchronously from in-memory state (no I/O, no await)
// and changes nothing; recordApproved() then adds a payment that happened, recordAttempt() one that was refused
// (by the rules or later, by the ledger), so a caller records only what it knows the outcome of. score(event) is
// decide and record in one, for evaluations where every event happened. A candidate rule set can run in shadow on
// the same features; promoting it is refused when it saw nothing or declined everything (or too large a share) of
// what it saw.
import assert from 'node:assert/strict';
import { CompiledRuleSet } from './compiled_rule_set.ts';
import type { Decision } from './decision.ts';
import type { GateTap, RiskEvent } from './event.ts';
import { newFeatureVector } from './features.ts';
import type { RuleSet } from './rule_set.ts';
import { ShadowTally, type ShadowReport } from './shadow.ts';
import { RiskState, type BlockLists, type StateSizes } from './state.ts';
import { ShadowRefused } from './errors.ts';

export type BlockListKind = 'residents' | 'devices' | 'merchants';

/** A stored outcome to replay: `approved` when the payment happened, else a refused attempt. */
export type RecordedEvent = { readonly event: RiskEvent; readonly approved: boolean };

export { ShadowRefused };

/** By default a candidate that would have declined more than this share of payments live did not is not promoted. */
export const maxShadowDeclineShare = 0.05;

export class RiskEngine {
  private readonly state = new RiskState();
  private readonly values = newFeatureVector();
  private readonly blocks = { residents: new Set<string>(), devices: new Set<string>(), merchants: new Set<string>() };
  private live: CompiledRuleSet;
  private shadow: { readonly rules: CompiledRuleSet; readonly tally: ShadowTally } | undefined;
  private lastShadowDecision: Decision | undefined;

  /** Throws RuleSetInvalid for a bad rule set. */
  constructor(ruleSet: unknown) {
    this.live = new CompiledRuleSet(ruleSet);
  }

  get ruleSet(): RuleSet {
    return this.live.ruleSet;
  }

  get blockLists(): BlockLists {
    return this.blocks;
  }

  /** The residents, devices, merchants and resident x merchant pairs the state holds (those idle are evicted). */
  get stateSizes(): StateSizes {
    return this.state.sizes;
  }

  /**
   * The decision on `event` from the state as it stands. Changes no counter (record the outcome once known); a
   * shadow candidate decides the same features and its tally counts the pair.
   */
  decide(event: RiskEvent): Decision {
    this.state.features(event, this.blocks, this.values);
    const decision = this.live.decide(event, this.values);
    this.lastShadowDecision = undefined;
    if (this.shadow !== undefined) {
      this.lastShadowDecision = this.shadow.rules.decide(event, this.values);
      this.shadow.tally.count(decision, this.lastShadowDecision);
    }
    return decision;
  }

  /** Adds `event` as a payment that happened: counts, amounts, first-seen times. */
  recordApproved(event: RiskEvent, _decision: Decision): void {
    this.state.record(event);
  }

  /**
   * Adds `event` as a refused attempt (declined by the rules, or approved and then refused by the ledger): counted
   * where card testing shows (the merchant's payments and new residents), never as money spent nor as the
   * resident's or device's own velocity.
   */
  recordAttempt(event: RiskEvent, _decision: Decision): void {
    this.state.recordAttempt(event);
  }

  /**
   * Decides `event` and records it whole whatever the outcome, as the evaluations have always scored the generated
   * city (declined attempts count too: card testing is made of them). A caller that learns the outcome later uses
   * decide and recordApproved / recordAttempt instead.
   */
  score(event: RiskEvent): Decision {
    const decision = this.decide(event);
    this.state.record(event);
    return decision;
  }

  /** The feature vector `event` would be scored on now (a copy), for explanations and evaluation. */
  featuresOf(event: RiskEvent): Float64Array {
    this.state.features(event, this.blocks, this.values);
    return this.values.slice();
  }

  /** Rebuilds state from past events, oldest first, without deciding: the same state a live engine ends with. */
  replay(events: Iterable<RiskEvent>): void {
    for (const event of events) this.state.record(event);
  }

  /** Rebuilds state from stored outcomes, oldest first, as recordApproved and recordAttempt added them live. */
  replayRecorded(events: Iterable<RecordedEvent>): void {
    for (const { event, approved } of events) {
      if (approved) this.state.record(event);
      else this.state.recordAttempt(event);
    }
  }

  /**
   * Learns a gate tap it did not score (transit's recorded taps): the next tap or placed payment of the resident is
   * judged against it (impossible travel); no payment counter counts it.
   */
  recordTap(tap: GateTap): void {
    this.state.recordTap(tap);
  }

  block(kind: BlockListKind, id: string): void {
    this.blocks[kind].add(id);
  }

  unblock(kind: BlockListKind, id: string): void {
    this.blocks[kind].delete(id);
  }

  /** Runs `candidate` in shadow from now on (throws RuleSetInvalid and keeps the previous shadow if it is bad). */
  startShadow(candidate: unknown): void {
    const rules = new CompiledRuleSet(candidate);
    this.shadow = { rules, tally: new ShadowTally(rules.ruleSet.version) };
  }

  /** What the shadow candidate decided on the event decide() (or score()) decided last; undefined when none ran. */
  get shadowDecision(): Decision | undefined {
    return this.lastShadowDecision;
  }

  /** Stops the shadow run, if any; its tally is dropped. */
  stopShadow(): void {
    this.shadow = undefined;
  }

  /**
   * Makes `ruleSet` live at once, without a shadow run (a rule set promoted elsewhere: another instance, or the
   * store a starting wallet reads). Throws RuleSetInvalid and keeps the live one if it is bad. A shadow run of the
   * same version stops: it is live now.
   */
  useRuleSet(ruleSet: unknown): void {
    this.live = new CompiledRuleSet(ruleSet);
    if (this.shadow?.tally.report().candidateVersion === this.live.ruleSet.version) this.shadow = undefined;
  }

  shadowReport(): ShadowReport | undefined {
    return this.shadow?.tally.report();
  }

  /**
   * Makes the shadow candidate live. Refused (ShadowRefused, nothing changes, the candidate keeps running) when no
   * candidate runs, when it decided nothing yet, when it declined everything it decided, or when the payments it
   * would have declined and live did not are more than `maxDeclineShare` of what it decided.
   */
  promoteShadow(maxDeclineShare: number = maxShadowDeclineShare): ShadowReport {
    assert(maxDeclineShare >= 0 && maxDeclineShare <= 1, 'maxDeclineShare is a share from 0 to 1');
    const shadow = this.shadow;
    if (shadow === undefined) throw new ShadowRefused('RISK_SHADOW_NOT_RUNNING', 'no candidate is running in shadow');
    const report = shadow.tally.report();
    const version = report.candidateVersion;
    if (report.decisions === 0)
      throw new ShadowRefused('RISK_SHADOW_DECIDED_NOTHING', `candidate ${version} has decided nothing in shadow yet`);
    if (report.candidateDeclines === report.decisions) {
      throw new ShadowRefused(
        'RISK_SHADOW_DECLINES_TOO_MANY',
        `candidate ${version} declined all ${report.decisions} payments it saw in shadow`,
      );
    }
    if (report.wouldDecline / report.decisions > maxDeclineShare) {
      throw new ShadowRefused(
        'RISK_SHADOW_DECLINES_TOO_MANY',
        `candidate ${version} would have declined ${report.wouldDecline} of ${report.decisions} payments live approved, more than ${maxDeclineShare * 100} %`,
      );
    }
    this.live = shadow.rules;
    this.shadow = undefined;
    return report;
  }
}
