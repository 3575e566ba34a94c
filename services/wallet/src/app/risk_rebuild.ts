// The risk engine a wallet starts with: the default rule set, the configured block list, and the state rebuilt by
// replaying the decisions of the last 30 days (the engine's longest half-life) from the database, oldest first, so
// a restart forgets nothing that was stored: a decision with a hold as a payment, one without as a refused attempt,
// as risk_scoring.ts recorded them live; then the outcomes other instances shared meanwhile that it did not count.
// Bounded: at most `maxReplayed` decisions, the newest, read a page at a time (store/risk_decisions.ts
// replayPageRows), so the window is never in memory at once.
import { RiskEngine, dayMs, defaultRuleSet, type BlockListKind } from '@citypass/risk';
import type { Logger } from '@citypass/platform/log';
import type { KnownPlaces } from './known_places.ts';
import { RecentDecisions } from './recent_decisions.ts';
import { RefusedDecisions } from './refused_decisions.ts';
import { unshared, type RiskOutcomeListener, type RiskScoring } from './risk_scoring.ts';
import type { ReplaySnapshot, WalletStore } from './store.ts';

export const replayWindowMs = 30 * dayMs;
export const maxReplayed = 500_000;

export async function rebuildRiskScoring(
  store: WalletStore,
  blocks: readonly { readonly kind: BlockListKind; readonly id: string }[],
  logger: Logger,
  options: {
    readonly nowMs: number;
    readonly enforce: boolean;
    readonly places: KnownPlaces;
    /** The other instances' outcomes, held while this replays (bus/risk_outcomes.ts); none: nothing shared. */
    readonly sharing?: SharedRiskOutcomes;
  },
): Promise<RiskScoring> {
  const engine = new RiskEngine(defaultRuleSet);
  for (const { kind, id } of blocks) engine.block(kind, id);
  const startedAt = performance.now();
  const sharing = options.sharing;
  const replayed = await store.riskDecisions.replayOutcomesSince(
    new Date(options.nowMs - replayWindowMs),
    maxReplayed,
    (outcomes) => {
      engine.replayRecorded(outcomes);
    },
    sharing === undefined ? undefined : (snapshot) => sharing.settle(engine, snapshot),
  );
  logger.info('risk engine rebuilt', {
    ruleSet: engine.ruleSet.version,
    replayed,
    blocked: blocks.length,
    enforce: options.enforce,
    ms: Math.round(performance.now() - startedAt),
  });
  return {
    engine,
    enforce: options.enforce,
    refused: new RefusedDecisions(),
    recent: new RecentDecisions(),
    places: options.places,
    shared: sharing ?? unshared,
  };
}

/** Outcomes other instances shared, held until the replay says which it counted (bus/risk_outcomes.ts). */
export interface SharedRiskOutcomes extends RiskOutcomeListener {
  settle(engine: RiskEngine, snapshot: ReplaySnapshot): Promise<void>;
}
