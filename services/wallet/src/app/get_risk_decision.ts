// Operator query: how the risk engine decided one authorization, by the hold it approved or by the decision id a
// refusal named. Declines are written about once a second (workers/risk_decisions_flush.ts).
import type { GetRiskDecisionRequest, RiskDecision } from '@citypass/proto/wallet/v1/wallet';
import { invalidArgument, notFound } from '@citypass/platform/errors';
import { isUuid } from '@citypass/platform/ids';
import { walletReasons } from '@citypass/contracts';
import type { WalletDeps } from './deps.ts';
import type { RiskDecisionKey, RiskDecisionRecord } from './store.ts';

export async function getRiskDecision(deps: WalletDeps, request: GetRiskDecisionRequest): Promise<RiskDecision> {
  const record = await deps.store.riskDecisions.find(keyOf(request));
  if (record === undefined) throw notFound(walletReasons.RISK_DECISION_NOT_FOUND, 'no such risk decision');
  return riskDecisionMessage(record);
}

function keyOf({ decisionId, holdId }: GetRiskDecisionRequest): RiskDecisionKey {
  if ((decisionId === '') === (holdId === '') || !isUuid(decisionId === '' ? holdId : decisionId)) {
    throw invalidArgument(walletReasons.RISK_DECISION_ID_INVALID, 'name one of decision_id and hold_id, as a UUID');
  }
  return decisionId === '' ? { holdId } : { decisionId };
}

export function riskDecisionMessage(record: RiskDecisionRecord): RiskDecision {
  const { decision, event } = record;
  const message: RiskDecision = {
    decisionId: record.decisionId,
    holdId: record.holdId ?? '',
    service: record.service,
    merchant: event.merchantId,
    residentId: event.residentId,
    outcome: decision.outcome,
    stage: decision.stage,
    reasons: decision.reasons.map((reason) => ({
      ruleId: reason.ruleId,
      ruleVersion: reason.ruleVersion,
      points: reason.points,
      features: { ...reason.features },
      explanation: reason.explanation,
    })),
    ruleSetVersion: decision.ruleSetVersion,
    refusalReason: record.refusalReason,
    ruleReason: decision.reason ?? '',
    explanation: decision.explanation,
    amount: { amountMinor: event.amountMinor, currency: record.currency },
    decidedAt: new Date(event.atMs),
    stationId: event.stationId ?? '',
  };
  if (decision.score !== null) message.score = decision.score;
  return message;
}
