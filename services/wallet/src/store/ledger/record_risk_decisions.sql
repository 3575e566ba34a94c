-- The risk decisions that approved a batch's written items, in one statement (the ledger's authorize and charge
-- *_many functions, after their loop, so each decision commits with its hold): the decision of each position where
-- p_written is true and a decision was given (none when scoring is off). One INSERT for the batch: a row each from
-- its own INSERT cost ~3x as much CPU. Nothing here can refuse a decision its item could not: its ids are new, its
-- hold was just made, the rest is the engine's approval.
-- The decision comes as columns, one array each, not as one JSON object per item: each object was parsed as the
-- argument arrived, again by json_populate_record, and its reasons and event a third time as json columns, and a
-- row cost PostgreSQL ~35 % more CPU that way (a loop of batches of 32 in one backend: 86-100 us a row against
-- 60-72). The hold, service, resident, currency and amount are the item's own (a decision rides with the hold it
-- approved); its refusal reason is '' (an approval). reasons and event stay json, not jsonb (migration 13): the
-- row is only written here and read back whole.
-- Those two come as JSON lines, one text each: a line per item, in order, empty for an item without a decision.
-- Not as json[]: node-postgres writes an array argument as an array literal, escaping every element's quotes, so
-- each decision's reasons and event (~2 KB of JSON) were copied twice more by String.replace in the wallet (~7.6 KB
-- allocated an authorization, the largest part of what scoring allocated). Not as one JSON array either, as the
-- release before this one sent them: PostgreSQL parsed that array twice, once as the json argument arrived and
-- again to take its elements apart (json_array_elements), ~4 us a row of a batch of 32 more than splitting the lines
-- and parsing each element once as it becomes json (18-24 against 14-21 us a row, six alternating rounds of 600
-- batches in one backend). JSON.stringify writes no line break (one in a string is escaped), and one between a
-- JSON text's tokens is whitespace: a caller may turn it into a space (authorize_once.sql).
DROP FUNCTION IF EXISTS wallet_record_risk_decision(jsonb);  -- the one-decision version every item called
DROP FUNCTION IF EXISTS wallet_record_risk_decisions(boolean[], jsonb[]);
DROP FUNCTION IF EXISTS wallet_record_risk_decisions(boolean[], json[]);  -- one JSON object per decision
-- The decision's reasons and event as json[] (the one per item the JSON arrays replaced), then as JSON arrays.
DROP FUNCTION IF EXISTS wallet_record_risk_decisions(boolean[], uuid[], text[], uuid[], char(3)[], bigint[], uuid[], text[], text[], text[], smallint[], json[], text[], text[], text[], json[], timestamptz[]);
DROP FUNCTION IF EXISTS wallet_record_risk_decisions(boolean[], uuid[], text[], uuid[], char(3)[], bigint[], uuid[], text[], text[], text[], smallint[], json, text[], text[], text[], json, timestamptz[]);
CREATE OR REPLACE FUNCTION wallet_record_risk_decisions(
  p_written boolean[], p_hold_id uuid[], p_service text[], p_resident_id uuid[], p_currency char(3)[],
  p_amount_minor bigint[], p_decision_id uuid[], p_decision_merchant text[], p_decision_outcome text[],
  p_decision_stage text[], p_decision_score smallint[], p_decision_reasons_lines text,
  p_decision_rule_set_version text[], p_decision_rule_reason text[], p_decision_explanation text[],
  p_decision_event_lines text, p_decided_at timestamptz[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_reasons json[] := string_to_array(p_decision_reasons_lines, E'\n', '')::json[];
  v_event json[] := string_to_array(p_decision_event_lines, E'\n', '')::json[];
BEGIN
  INSERT INTO risk_decisions (
    decision_id, hold_id, service, merchant, resident_id, outcome, stage, score, reasons, rule_set_version,
    refusal_reason, rule_reason, explanation, currency, amount_minor, event, decided_at
  )
  SELECT item.decision_id, item.hold_id, item.service, item.merchant, item.resident_id, item.outcome, item.stage,
         item.score, item.reasons, item.rule_set_version, '', item.rule_reason, item.explanation, item.currency,
         item.amount_minor, item.event, item.decided_at
  FROM unnest(p_written, p_hold_id, p_service, p_resident_id, p_currency, p_amount_minor, p_decision_id,
              p_decision_merchant, p_decision_outcome, p_decision_stage, p_decision_score, v_reasons,
              p_decision_rule_set_version, p_decision_rule_reason, p_decision_explanation, v_event,
              p_decided_at)
       AS item (written, hold_id, service, resident_id, currency, amount_minor, decision_id, merchant, outcome, stage,
                score, reasons, rule_set_version, rule_reason, explanation, event, decided_at)
  WHERE item.written AND item.decision_id IS NOT NULL;
END $$;
