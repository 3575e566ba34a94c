-- A fare the wallet's risk engine declined (RISK_DECLINED, RISK_BLOCKED: a gate cannot step up, so the refusal
-- stands) keeps the wallet's decision id, on the declined step and on the deny list entry it causes, so an
-- operator reading the deny list can look up why (the wallet's GetRiskDecision). Null for any other refusal.
ALTER TABLE settlement_steps ADD COLUMN risk_decision_id uuid;
ALTER TABLE deny_list ADD COLUMN risk_decision_id uuid;
