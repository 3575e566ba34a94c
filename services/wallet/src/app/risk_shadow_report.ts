// The candidate's shadow report: the instances' tallies since it started (this instance's written first), and a
// backtest: live and candidate replayed over the newest stored decisions in a throwaway engine (state built from
// those alone, the configured block lists applied), yielding to other work every `backtestSlice` events. Transit's
// gate taps of the same period (read back from its stream, workers/tap_follower.ts) are learned in time order between
// the decisions, as the live engine learned them, so a travel rule is judged on the places live judged. Each stored
// decision is decided and then recorded as the live wallet recorded it (risk_scoring.ts): with a hold as a payment,
// without one (refused by the rules or by the ledger) as an attempt, so both rule sets decide on the state the live
// engine had, not on one where refused attempts were money spent.
import { setImmediate } from 'node:timers/promises';
import type { GetRiskShadowReportResponse } from '@citypass/proto/wallet/v1/risk_rule_sets';
import { walletReasons } from '@citypass/contracts';
import { failedPrecondition } from '@citypass/platform/errors';
import {
  recentTapWindowMs,
  RiskEngine,
  type BlockLists,
  type GateTap,
  type RecordedEvent,
  type RuleSet,
  type ShadowReport,
} from '@citypass/risk';
import type { WalletDeps } from './deps.ts';
import { liveRuleSet, sumShadowReports, tallyMessage, type PromotionLimits } from './risk_rule_sets.ts';

/** Stored decisions a backtest replays at most (the newest). */
export const backtestLimit = 5_000;
/** Gate taps a backtest learns at most (the oldest of its period: taps are read in the order the stream holds them). */
export const backtestTapLimit = 100_000;
const backtestSlice = 500;

/** Transit's recorded taps of a past period, placed (workers/tap_follower.ts reads them from transit's stream). */
export interface PastTaps {
  /** The taps at placed stations made from `fromMs` to `untilMs` (the wallet's clock), oldest first; at most `limit`. */
  between(fromMs: number, untilMs: number, limit: number): Promise<readonly GateTap[]>;
}

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
  const taps = await tapsOfPeriod(deps, outcomes);
  const backtest = await backtestOn(outcomes, live, candidate.ruleSet, deps.riskScoring?.engine.blockLists, taps);
  return {
    liveVersion: live.version,
    candidateVersion: version,
    startedAt: candidate.createdAt,
    shadow: tallyMessage(shadow),
    backtest: tallyMessage(backtest),
    backtestLimit,
    minDecisions: limits.minDecisions,
    maxDeclineShare: limits.maxDeclineShare,
    backtestTaps: taps.length,
  };
}

/**
 * The taps the decisions' travel features were judged against: from the engine's tap window before the first to the
 * last. None when no station is placed; none, with a warning, when transit's stream cannot be read (the report says
 * how many were learned).
 */
async function tapsOfPeriod(deps: WalletDeps, outcomes: readonly RecordedEvent[]): Promise<readonly GateTap[]> {
  const first = outcomes[0];
  const last = outcomes.at(-1);
  if (deps.pastTaps === undefined || first === undefined || last === undefined) return [];
  try {
    return await deps.pastTaps.between(first.event.atMs - recentTapWindowMs, last.event.atMs, backtestTapLimit);
  } catch (error) {
    deps.logger.warn("backtest without gate taps: transit's stream could not be read", { error });
    return [];
  }
}

/**
 * Live and `candidate` over stored `outcomes` (oldest first) in a fresh engine with `blocks` applied, learning the
 * gate `taps` (oldest first) made up to each decision before it.
 */
export async function backtestOn(
  outcomes: readonly RecordedEvent[],
  live: RuleSet,
  candidate: RuleSet,
  blocks: BlockLists | undefined,
  taps: readonly GateTap[] = [],
): Promise<ShadowReport> {
  const engine = new RiskEngine(live);
  if (blocks !== undefined) {
    for (const id of blocks.residents) engine.block('residents', id);
    for (const id of blocks.devices) engine.block('devices', id);
    for (const id of blocks.merchants) engine.block('merchants', id);
  }
  engine.startShadow(candidate);
  let nextTap = 0;
  for (const [index, { event, approved }] of outcomes.entries()) {
    if (index > 0 && index % backtestSlice === 0) await setImmediate();
    for (let tap = taps[nextTap]; tap !== undefined && tap.atMs <= event.atMs; tap = taps[++nextTap])
      engine.recordTap(tap);
    const decision = engine.decide(event);
    if (approved) engine.recordApproved(event, decision);
    else engine.recordAttempt(event, decision);
  }
  return engine.shadowReport() ?? sumShadowReports(candidate.version, []);
}
