-- One void in one statement (the store's path without group commit: one round trip, the statement's own
-- transaction): wallet_void_many with this one item, its refusal raised again as wallet_void_many reports it
-- (SQLSTATE, message, constraint), so an item is written by one code whether batched or not.
CREATE OR REPLACE FUNCTION wallet_void_once(
  p_operation text, p_key text, p_request_hash bytea, p_response bytea,
  p_event_id uuid, p_event_subject text, p_event_payload bytea, p_event_headers jsonb,
  p_hold_id uuid, p_service text, p_now timestamptz
) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
  v_item record;
BEGIN
  SELECT * INTO v_item FROM wallet_void_many(
    p_operation => ARRAY[p_operation], p_key => ARRAY[p_key], p_request_hash => ARRAY[p_request_hash],
    p_response => ARRAY[p_response], p_event_id => ARRAY[p_event_id], p_event_subject => ARRAY[p_event_subject],
    p_event_payload => ARRAY[p_event_payload], p_event_headers => ARRAY[p_event_headers],
    p_hold_id => ARRAY[p_hold_id], p_service => ARRAY[p_service], p_now => ARRAY[p_now]
  );
  RETURN wallet_item_answer(v_item.response, v_item.error_state, v_item.error_message, v_item.error_constraint);
END $$;
