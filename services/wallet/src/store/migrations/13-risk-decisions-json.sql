-- A risk decision's reasons and scored facts as json, the text they were written as, rather than jsonb (parsed into
-- PostgreSQL's binary form): nothing queries inside them, the wallet writes them once and reads them back whole
-- (GetRiskDecision, the replay at start), and the parse into jsonb was the larger part of what storing a decision
-- cost PostgreSQL per authorization (ledger/record_risk_decisions.sql). Rows written before keep their content.
ALTER TABLE risk_decisions
  ALTER COLUMN reasons TYPE json USING reasons::json,
  ALTER COLUMN event TYPE json USING event::json;
