// The risk engine a wallet starts with: the default rule set, the configured block list, and the state rebuilt by
// replaying the decisions of the last 30 days (the engine's longest half-life) from the database, oldest first, so
// a restart forgets nothing that was stored. Bounded: at most `maxReplayed` decisions, the newest, read a page at a
// time (store/risk_decisions.ts replayPageRows), so the window is never in memory at once.
import { RiskEngine, dayMs, defaultRuleSet, type BlockListKind } from '@citypass/risk';
import type { Logger } from '@citypass/platform/log';
import { RecentDecisions } from './recent_decisions.ts';
import { RefusedDecisions } from './refused_decisions.ts';
import type { RiskScoring } from './risk_scoring.ts';
import type { WalletStore } from './store.ts';

export const replayWindowMs = 30 * dayMs;
export const maxReplayed = 500_000;

export async function rebuildRiskScoring(
  store: WalletStore,
  blocks: readonly { readonly kind: BlockListKind; readonly id: string }[],
  logger: Logger,
  options: { readonly nowMs: number; readonly enforce: boolean },
): Promise<RiskScoring> {
  const engine = new RiskEngine(defaultRuleSet);
  for (const { kind, id } of blocks) engine.block(kind, id);
  const startedAt = performance.now();
  const replayed = await store.riskDecisions.replayEventsSince(
    new Date(options.nowMs - replayWindowMs),
    maxReplayed,
    (events) => {
      engine.replay(events);
    },
  );
  logger.info('risk engine rebuilt', {
    ruleSet: engine.ruleSet.version,
    replayed,
    blocked: blocks.length,
    enforce: options.enforce,
    ms: Math.round(performance.now() - startedAt),
  });
  return { engine, enforce: options.enforce, refused: new RefusedDecisions(), recent: new RecentDecisions() };
}
