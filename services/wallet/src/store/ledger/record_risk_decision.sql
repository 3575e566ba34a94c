-- One risk decision (a row of risk_decisions as JSON, keys named as its columns): the ledger's one-statement
-- authorize and charge call it for the approval of the hold they make, so the decision commits with the hold.
CREATE OR REPLACE FUNCTION wallet_record_risk_decision(p_decision jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO risk_decisions SELECT * FROM jsonb_populate_record(NULL::risk_decisions, p_decision)
$$;
