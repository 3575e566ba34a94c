// How a risk refusal's message names the wallet's stored decision (`risk decision <uuid>`), written by the wallet
// and read back by a caller that keeps it for its operators (transit's deny list): one format, here. Error replies
// carry a kind, a reason and a message only.

/** The words a refusal's message names decision `decisionId` with. */
export function riskDecisionMention(decisionId: string): string {
  return `risk decision ${decisionId}`;
}

const mentionPattern = /risk decision ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;

/** The decision id a refusal's message names; undefined when it names none. */
export function riskDecisionIdIn(message: string): string | undefined {
  return mentionPattern.exec(message)?.[1];
}
