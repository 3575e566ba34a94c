-- One risk decision (a row of risk_decisions as JSON, keys named as its columns): the ledger's one-statement
-- authorize and charge call it for the approval of the hold they make, so the decision commits with the hold.
-- PL/pgSQL rather than SQL: its INSERT is planned once per connection, an SQL function's on every call.
CREATE OR REPLACE FUNCTION wallet_record_risk_decision(p_decision jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO risk_decisions SELECT * FROM jsonb_populate_record(NULL::risk_decisions, p_decision);
END $$;
