-- One item's row of a wallet_<kind>_many as the item alone answers it (the wallet_<kind>_once functions: the
-- store's path without group commit): its response, or its refusal raised again as the batch reported it (SQLSTATE,
-- message, constraint), so the caller sees the error the item's own statement would have raised.
CREATE OR REPLACE FUNCTION wallet_item_answer(
  p_response bytea, p_error_state text, p_error_message text, p_error_constraint text
) RETURNS bytea LANGUAGE plpgsql AS $$
BEGIN
  IF p_error_state IS NULL THEN RETURN p_response; END IF;
  IF p_error_constraint IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = p_error_state, MESSAGE = p_error_message;
  END IF;
  RAISE EXCEPTION USING ERRCODE = p_error_state, MESSAGE = p_error_message, CONSTRAINT = p_error_constraint;
END $$;
