// Request strings the wallet takes beyond the platform's default of 1,024 characters, as the proto comments state.
// Checked at the edge (gRPC and the NATS charge handlers) before anything reads the request.
import { presentationFieldLimit } from '@citypass/credential';
import type { FieldLimits } from '@citypass/platform/field_limits';

/** A risk rule set as JSON (PutRiskRuleSetCandidate); the built-in one is about 8,000 characters. */
export const ruleSetJsonFieldLimit = 65_536;

export const walletFieldLimits: FieldLimits = {
  presentation: presentationFieldLimit,
  rule_set_json: ruleSetJsonFieldLimit,
};
