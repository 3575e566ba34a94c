-- The idempotency claim of every ledger write: NULL when the key is new and now claimed with p_response (a
-- placeholder when the response is recorded later in the same transaction), else the response stored for it. A
-- concurrent duplicate waits here for the first to commit or roll back. The same key with another request hash
-- is refused.
CREATE OR REPLACE FUNCTION wallet_claim(p_operation text, p_key text, p_request_hash bytea, p_response bytea)
RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
  v_hash bytea;
  v_response bytea;
BEGIN
  INSERT INTO idempotency_keys (operation, key, request_hash, response) VALUES (p_operation, p_key, p_request_hash, p_response)
  ON CONFLICT (operation, key) DO NOTHING;
  IF FOUND THEN RETURN NULL; END IF;
  SELECT request_hash, response INTO v_hash, v_response FROM idempotency_keys WHERE operation = p_operation AND key = p_key;
  IF v_hash <> p_request_hash THEN RAISE EXCEPTION 'IDEMPOTENCY_KEY_REUSED'; END IF;
  RETURN v_response;
END $$;
