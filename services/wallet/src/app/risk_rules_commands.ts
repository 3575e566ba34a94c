// Operator commands and queries on the risk rule sets (issue 13): read live and candidate, put a candidate (validated
// whole, then shadowing at once on this instance and within a poll interval on every other), read its shadow report,
// promote it. A refusal changes nothing live. The instance answering syncs its own engine with the store at once
// (writing its shadow tally first); the others follow within a poll interval (workers/risk_rules_follow.ts).
import type {
  GetRiskRuleSetsResponse,
  PromoteRiskRuleSetResponse,
  PutRiskRuleSetCandidateResponse,
} from '@citypass/proto/wallet/v1/risk_rule_sets';
import { walletReasons } from '@citypass/contracts';
import { boundedMessage, failedPrecondition, invalidArgument, type DomainError } from '@citypass/platform/errors';
import { RuleSetInvalid, validateRuleSet, type RuleSet, type ShadowReport } from '@citypass/risk';
import type { WalletDeps } from './deps.ts';
import { builtInMessage, liveRuleSet, storedMessage, tallyMessage, type PromotionLimits } from './risk_rule_sets.ts';

export async function getRiskRuleSets(deps: WalletDeps): Promise<GetRiskRuleSetsResponse> {
  const { live, candidate } = await deps.store.riskRuleSets.current();
  const engine = deps.riskScoring?.engine;
  return {
    live: live === undefined ? builtInMessage() : storedMessage(live),
    ...(candidate === undefined ? {} : { candidate: storedMessage(candidate) }),
    instanceLiveVersion: engine?.ruleSet.version ?? '',
    instanceCandidateVersion: engine?.shadowReport()?.candidateVersion ?? '',
  };
}

export async function putRiskRuleSetCandidate(
  deps: WalletDeps,
  operator: string,
  ruleSetJson: string,
): Promise<PutRiskRuleSetCandidateResponse> {
  const ruleSet = parseRuleSet(ruleSetJson);
  const current = await deps.store.riskRuleSets.current();
  if (liveRuleSet(current).version === ruleSet.version)
    throw invalid([`version "${ruleSet.version}" is the live rule set's; a candidate needs a new version`]);
  const outcome = await deps.store.riskRuleSets.putCandidate(ruleSet, operator, new Date(deps.now()));
  if (outcome === 'version_used')
    throw invalid([`version "${ruleSet.version}" was used before for another rule set; name a new version`]);
  await deps.riskRules.sync();
  if (outcome === 'started')
    deps.logger.info('risk rule set candidate started in shadow', { version: ruleSet.version, operator });
  const stored = (await deps.store.riskRuleSets.current()).candidate;
  // Another put may have replaced it meanwhile: then this answer describes the one this call put.
  const candidate = stored?.ruleSet.version === ruleSet.version ? stored : undefined;
  return {
    candidate: storedMessage(
      candidate ?? {
        ruleSet,
        createdAt: new Date(deps.now()),
        createdBy: operator,
        promotedAt: undefined,
        promotedBy: '',
      },
    ),
    started: outcome === 'started',
  };
}

/** JSON that passes @citypass/risk's validation, or RISK_RULE_SET_INVALID naming every problem. */
function parseRuleSet(json: string): RuleSet {
  let input: unknown;
  try {
    input = JSON.parse(json);
  } catch {
    throw invalid(['rule_set_json is not JSON']);
  }
  try {
    return validateRuleSet(input);
  } catch (error) {
    if (error instanceof RuleSetInvalid) throw invalid(error.problems);
    throw error;
  }
}

function invalid(problems: readonly string[]): DomainError {
  return invalidArgument(
    walletReasons.RISK_RULE_SET_INVALID,
    boundedMessage(`rule set is invalid (${problems.length} problems): ${problems.join('; ')}`),
  );
}

export async function promoteRiskRuleSet(
  deps: WalletDeps,
  operator: string,
  version: string,
  limits: PromotionLimits,
): Promise<PromoteRiskRuleSetResponse> {
  await deps.riskRules.sync();
  const result = await deps.store.riskRuleSets.promote(version, operator, new Date(deps.now()), (tally) => {
    checkPromotion(tally, limits);
  });
  if (result === undefined)
    throw failedPrecondition(
      walletReasons.RISK_SHADOW_NOT_RUNNING,
      `no candidate of version "${version}" runs in shadow`,
    );
  if (result.promoted) {
    await deps.riskRules.sync();
    deps.logger.info('risk rule set promoted', { version, operator, shadow: result.tally });
  }
  return { live: storedMessage(result.live), shadow: tallyMessage(result.tally), promoted: result.promoted };
}

/**
 * Throws the refusal `tally` earns under `limits`; nothing when the candidate may go live. A candidate that declined
 * every payment it saw is refused as such however few it saw: that needs no more evidence.
 */
export function checkPromotion(tally: ShadowReport, limits: PromotionLimits): void {
  const { candidateVersion: version, decisions } = tally;
  if (decisions > 0 && tally.candidateDeclines === decisions)
    throw failedPrecondition(
      walletReasons.RISK_SHADOW_DECLINES_TOO_MANY,
      `candidate ${version} declined all ${decisions} payments it saw in shadow`,
    );
  if (decisions < limits.minDecisions)
    throw failedPrecondition(
      walletReasons.RISK_SHADOW_TOO_FEW_DECISIONS,
      `candidate ${version} decided ${decisions} payments in shadow; promotion needs ${limits.minDecisions}`,
    );
  if (tally.wouldDecline > limits.maxDeclineShare * decisions)
    throw failedPrecondition(
      walletReasons.RISK_SHADOW_DECLINES_TOO_MANY,
      `candidate ${version} would have declined ${tally.wouldDecline} of ${decisions} payments live let through, more than ${limits.maxDeclineShare * 100} %`,
    );
}
