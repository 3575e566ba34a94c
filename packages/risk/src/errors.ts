// Every refusal of the engine's own rule-set calls (a live rule set, a shadow candidate, promoteShadow), as a
// DomainError with a stable reason callers switch on; nothing live changes when one is thrown. These stay here, not
// in a proto: they are the package's, for callers in process (the evaluation, tests), and no wire carries them. The
// wallet's rule-set API has its own, in proto/citypass/wallet/v1/errors.proto (walletReasons): it turns
// RuleSetInvalid into its RISK_RULE_SET_INVALID with the problems, and it promotes through its store with its own
// checks (RISK_SHADOW_TOO_FEW_DECISIONS against a configured minimum where promoteShadow has DECIDED_NOTHING), never
// through promoteShadow. Pointing these at the wallet's enum would make this pure package depend on one service's
// contracts.
import { boundedMessage, DomainError } from '@citypass/platform/errors';

export const riskReasons = {
  /** The rule set failed validation: unknown features, out-of-range thresholds or values, malformed rules. */
  RISK_RULE_SET_INVALID: 'RISK_RULE_SET_INVALID',
  /** Promotion asked with no candidate running in shadow. */
  RISK_SHADOW_NOT_RUNNING: 'RISK_SHADOW_NOT_RUNNING',
  /** Promotion asked before the candidate decided anything in shadow. */
  RISK_SHADOW_DECIDED_NOTHING: 'RISK_SHADOW_DECIDED_NOTHING',
  /** The candidate declined everything, or more than the allowed share, of what it saw in shadow. */
  RISK_SHADOW_DECLINES_TOO_MANY: 'RISK_SHADOW_DECLINES_TOO_MANY',
} as const;
export type RiskReason = keyof typeof riskReasons;

/** A rule set that failed validation; `problems` lists every one found. */
export class RuleSetInvalid extends DomainError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      'invalid_argument',
      riskReasons.RISK_RULE_SET_INVALID,
      boundedMessage(`rule set is invalid: ${problems.join('; ')}`),
    );
    this.name = 'RuleSetInvalid';
    this.problems = problems;
  }
}

/** Promotion of a shadow candidate was refused; nothing changed. */
export class ShadowRefused extends DomainError {
  constructor(reason: Exclude<RiskReason, 'RISK_RULE_SET_INVALID'>, message: string) {
    super('failed_precondition', reason, message);
    this.name = 'ShadowRefused';
  }
}
