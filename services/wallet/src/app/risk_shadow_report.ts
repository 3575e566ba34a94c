// The candidate's shadow report: the instances' tallies since it started (this instance's written first), and a
// backtest: live and candidate replayed over the newest stored decisions in a throwaway engine (state built from
// those alone, the configured block lists applied), yielding to other work every `backtestSlice` events. Each stored
// decision is decided and then recorded as the live wallet recorded it (risk_scoring.ts): with a hold as a payment,
// without one (refused by the rules or by the ledger) as an attempt, so both rule sets decide on the state the live
// engine had, not on one where refused attempts were money spent.
import { setImmediate } from 'node:timers/promises';
import type { GetRiskShadowReportResponse } from '@citypass/proto/wallet/v1/risk_rule_sets';
import { walletReasons } from '@citypass/contracts';
import { failedPrecondition } from '@citypass/platform/errors';
import { RiskEngine, type BlockLists, type RecordedEvent, type RuleSet, type ShadowReport } from '@citypass/risk';
import type { WalletDeps } from './deps.ts';
import { liveRuleSet, sumShadowReports, tallyMessage, type PromotionLimits } from './risk_rule_sets.ts';

/** Stored decisions a backtest replays at most (the newest). */
export const backtestLimit = 5_000;
const backtestSlice = 500;

export async function getRiskShadowReport(
  deps: WalletDeps,
  limits: PromotionLimits,
): Promise<GetRiskShadowReportResponse> {
  await deps.riskRules.sync();
  const current = await deps.store.riskRuleSets.current();
  const candidate = current.candidate;
  if (candidate === undefined)
    throw failedPrecondition(walletReasons.RISK_SHADOW_NOT_RUNNING, 'no candidate rule set runs in shadow');
  const version = candidate.ruleSet.version;
  const shadow = sumShadowReports(version, await deps.store.riskRuleSets.tallies(version));
  const outcomes = await deps.store.riskDecisions.outcomesSince(new Date(0), backtestLimit);
  const live = liveRuleSet(current);
  const backtest = await backtestOn(outcomes, live, candidate.ruleSet, deps.riskScoring?.engine.blockLists);
  return {
    liveVersion: live.version,
    candidateVersion: version,
    startedAt: candidate.createdAt,
    shadow: tallyMessage(shadow),
    backtest: tallyMessage(backtest),
    backtestLimit,
    minDecisions: limits.minDecisions,
    maxDeclineShare: limits.maxDeclineShare,
  };
}

/** Live and `candidate` over stored `outcomes` (oldest first) in a fresh engine with `blocks` applied. */
export async function backtestOn(
  outcomes: readonly RecordedEvent[],
  live: RuleSet,
  candidate: RuleSet,
  blocks: BlockLists | undefined,
): Promise<ShadowReport> {
  const engine = new RiskEngine(live);
  if (blocks !== undefined) {
    for (const id of blocks.residents) engine.block('residents', id);
    for (const id of blocks.devices) engine.block('devices', id);
    for (const id of blocks.merchants) engine.block('merchants', id);
  }
  engine.startShadow(candidate);
  for (const [index, { event, approved }] of outcomes.entries()) {
    if (index > 0 && index % backtestSlice === 0) await setImmediate();
    const decision = engine.decide(event);
    if (approved) engine.recordApproved(event, decision);
    else engine.recordAttempt(event, decision);
  }
  return engine.shadowReport() ?? sumShadowReports(candidate.version, []);
}
