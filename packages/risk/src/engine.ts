// The risk engine: score(event) decides one authorization synchronously from in-memory state (no I/O, no await),
// then records the event. A candidate rule set can run in shadow on the same features; promoting it is refused
// when it saw nothing or declined everything it saw.
import { CompiledRuleSet } from './compiled_rule_set.ts';
import type { Decision } from './decision.ts';
import type { RiskEvent } from './event.ts';
import { newFeatureVector } from './features.ts';
import type { RuleSet } from './rule_set.ts';
import { ShadowTally, type ShadowReport } from './shadow.ts';
import { RiskState, type BlockLists } from './state.ts';

export type BlockListKind = 'residents' | 'devices' | 'merchants';

/** Promotion of a shadow candidate was refused; nothing changed. */
export class ShadowRefused extends Error {
  override name = 'ShadowRefused';
}

export class RiskEngine {
  private readonly state = new RiskState();
  private readonly values = newFeatureVector();
  private readonly blocks = { residents: new Set<string>(), devices: new Set<string>(), merchants: new Set<string>() };
  private live: CompiledRuleSet;
  private shadow: { readonly rules: CompiledRuleSet; readonly tally: ShadowTally } | undefined;

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

  /** Decides `event` and records it (declined attempts count too: card testing is made of them). */
  score(event: RiskEvent): Decision {
    this.state.features(event, this.blocks, this.values);
    const decision = this.live.decide(event, this.values);
    if (this.shadow !== undefined) this.shadow.tally.count(decision, this.shadow.rules.decide(event, this.values));
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

  shadowReport(): ShadowReport | undefined {
    return this.shadow?.tally.report();
  }

  /** Makes the shadow candidate live; refused when it decided nothing yet or declined everything it decided. */
  promoteShadow(): ShadowReport {
    const shadow = this.shadow;
    if (shadow === undefined) throw new ShadowRefused('no candidate is running in shadow');
    const report = shadow.tally.report();
    if (report.decisions === 0)
      throw new ShadowRefused(`candidate ${report.candidateVersion} has decided nothing in shadow yet`);
    if (report.candidateDeclines === report.decisions) {
      throw new ShadowRefused(
        `candidate ${report.candidateVersion} declined all ${report.decisions} payments it saw in shadow`,
      );
    }
    this.live = shadow.rules;
    this.shadow = undefined;
    return report;
  }
}
