-- Writes an event to platform's outbox from inside a ledger function (the one-statement operations).
CREATE OR REPLACE FUNCTION wallet_outbox(p_id uuid, p_subject text, p_payload bytea, p_headers jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox (id, subject, payload, headers) VALUES (p_id, p_subject, p_payload, p_headers);
END $$;
