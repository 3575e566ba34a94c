-- The risk decisions (rows of risk_decisions as JSON, keys named as its columns) that approved a batch's written
-- items, in one statement (the ledger's authorize and charge *_many functions, after their loop, so each decision
-- commits with its hold): the decision of each position where p_written is true and a decision was given (none when
-- scoring is off). One INSERT for the batch: a row each from its own INSERT cost ~3x as much CPU. Nothing here can
-- refuse a decision its item could not: its ids are new, its hold was just made, the rest is the engine's approval.
-- json, not jsonb, from the argument to the columns (migration 13): the row is only written here and read back
-- whole, and parsing each ~1.2 KB decision into jsonb (as the argument, then its reasons and event as columns) was
-- ~30 % of PostgreSQL's CPU for the row; json is checked and kept as the text it came as.
DROP FUNCTION IF EXISTS wallet_record_risk_decision(jsonb);  -- the one-decision version every item called
DROP FUNCTION IF EXISTS wallet_record_risk_decisions(boolean[], jsonb[]);
CREATE OR REPLACE FUNCTION wallet_record_risk_decisions(p_written boolean[], p_decision json[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO risk_decisions
  SELECT decided.*
  FROM unnest(p_written, p_decision) AS item (written, decision),
       json_populate_record(NULL::risk_decisions, item.decision) AS decided
  WHERE item.written AND item.decision IS NOT NULL;
END $$;
