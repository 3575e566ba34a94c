// Every refusal of the rule-set API (a live rule set, a shadow candidate, a promotion), as a DomainError with a
// stable reason callers switch on; nothing live changes when one is thrown. The reasons live here, the package's one
// home for them, until a proto carries the rule-set API (then they move to its errors.proto enum).
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
