// Every WALLET_RISK_RULES_POLL_MS, and whenever an operator's command on this instance asks (sync), one at a time:
// this instance writes its running shadow tally of the candidate, then follows the stored rule sets
// (store/risk_rule_sets.ts): the live one (the built-in one when none is stored) and the candidate in shadow, or
// none. So every instance decides with the same live version within a poll interval of a promotion, and the one
// that answered it at once. Syncs never overlap, so none applies what it read before another's write.
// A stored rule set this code no longer accepts (a feature removed since) is logged and not applied.
import type { Logger } from '@citypass/platform/log';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import { RuleSetInvalid, type RiskEngine } from '@citypass/risk';
import { liveRuleSet, type RiskRuleSetStore, type RiskRulesSync } from '../app/risk_rule_sets.ts';

export interface RiskRulesFollowing {
  readonly store: RiskRuleSetStore;
  readonly engine: RiskEngine;
  readonly instanceId: string;
  readonly logger: Logger;
  readonly now: () => number;
}

export class RiskRulesFollower implements RiskRulesSync {
  readonly #following: RiskRulesFollowing;
  #last: Promise<void> = Promise.resolve();

  constructor(following: RiskRulesFollowing) {
    this.#following = following;
  }

  sync(): Promise<void> {
    const next = this.#last.then(
      () => followRiskRules(this.#following),
      () => followRiskRules(this.#following),
    );
    this.#last = next;
    return next;
  }

  start(intervalMs: number): PeriodicJob {
    return runPeriodically({ name: 'risk rules follow', intervalMs, logger: this.#following.logger }, () =>
      this.sync(),
    );
  }
}

async function followRiskRules({ store, engine, instanceId, logger, now }: RiskRulesFollowing): Promise<void> {
  const report = engine.shadowReport();
  if (report !== undefined) await store.writeTally(report, instanceId, new Date(now()));
  const current = await store.current();
  const live = liveRuleSet(current);
  const candidate = current.candidate?.ruleSet;
  try {
    if (engine.ruleSet.version !== live.version) {
      engine.useRuleSet(live);
      logger.info('risk rule set now live', { version: live.version });
    }
    if (candidate === undefined) engine.stopShadow();
    else if (engine.shadowReport()?.candidateVersion !== candidate.version) engine.startShadow(candidate);
  } catch (error) {
    if (!(error instanceof RuleSetInvalid)) throw error;
    logger.error('a stored risk rule set is not valid here; keeping the one in use', { problems: error.problems });
  }
}
