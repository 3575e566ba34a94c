-- Every risk decision (issue 13): its outcome, score, top reasons and rule-set version, for operators to look up
-- (GetRiskDecision), and the facts it was scored on (`event`), from which a starting wallet rebuilds the engine's
-- state. An approval is written by the ledger function in the transaction of its hold (hold_id set); refusals
-- (declines, step-ups) make no hold and are written in batches (hold_id null).
CREATE TABLE risk_decisions (
  decision_id uuid PRIMARY KEY,
  hold_id uuid UNIQUE,
  service text NOT NULL CHECK (length(service) BETWEEN 1 AND 128),
  merchant text NOT NULL CHECK (length(merchant) BETWEEN 1 AND 128),
  resident_id uuid NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('approve', 'review', 'step_up', 'decline')),
  stage text NOT NULL CHECK (stage IN ('block', 'allow', 'step_up', 'score')),
  score smallint CHECK (score BETWEEN 0 AND 99),
  reasons jsonb NOT NULL,
  rule_set_version text NOT NULL,
  refusal_reason text NOT NULL,
  rule_reason text NOT NULL,
  explanation text NOT NULL,
  currency char(3) NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
  event jsonb NOT NULL,
  decided_at timestamptz NOT NULL,
  -- A refused payment made no hold; an approved one (or one only observed, WALLET_RISK=observe) made one.
  CHECK ((hold_id IS NULL) = (refusal_reason <> ''))
);
CREATE INDEX risk_decisions_decided_at ON risk_decisions (decided_at);

