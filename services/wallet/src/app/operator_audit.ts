// What the wallet's audit log (platform's operator_audit, migration 11) records of operators: the actions, and who
// (platform's actorOf). Each action appends its row in its own transaction: the refund in its idempotent one
// (refund.ts), the rule sets with the stored change (store/risk_rule_sets.ts).
import { walletReasons } from '@citypass/contracts';
import type { AuditLogOf } from '@citypass/platform/operator_audit';

export { actorOf } from '@citypass/platform/operator_audit';

/** The actions the wallet audits, as <aggregate>.<verb in the past tense>. */
export const auditActions = {
  refundMade: 'refunds.made',
  ruleSetCandidatePut: 'risk_rule_sets.candidate_put',
  ruleSetPromoted: 'risk_rule_sets.promoted',
} as const;

/** The wallet's log as ListAuditEvents reads it: its actions and its own reasons. */
export const walletAuditLog: AuditLogOf = {
  actions: Object.values(auditActions),
  reasons: {
    filterInvalid: walletReasons.AUDIT_FILTER_INVALID,
    timeRangeInvalid: walletReasons.AUDIT_TIME_RANGE_INVALID,
    pageSizeInvalid: walletReasons.PAGE_SIZE_TOO_LARGE,
    pageTokenInvalid: walletReasons.PAGE_TOKEN_INVALID,
  },
};

/** Targets: a hold, a rule set version. */
export const auditTargets = {
  hold: (holdId: string) => `hold:${holdId}`,
  ruleSet: (version: string) => `risk_rule_sets:${version}`,
};
