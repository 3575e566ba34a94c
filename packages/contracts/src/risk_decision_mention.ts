// How a risk refusal names the wallet's stored decision: for a program, the error's metadata under
// `riskDecisionIdKey` (carried beside the reason over NATS and gRPC, so a caller such as transit's deny list keeps
// the id without reading prose); for a person reading the message, `risk decision <uuid>`. One home for both.

/** The error metadata name whose value is the stored decision's id. */
export const riskDecisionIdKey = 'risk_decision_id';

/** The words a refusal's message names decision `decisionId` with. */
export function riskDecisionMention(decisionId: string): string {
  return `risk decision ${decisionId}`;
}
