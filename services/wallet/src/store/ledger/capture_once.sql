-- One capture in one statement (the store's path without group commit: one round trip, the statement's own
-- transaction): wallet_capture_many with this one item, its refusal raised again as wallet_capture_many reports it
-- (SQLSTATE, message, constraint), so an item is written by one code whether batched or not.
DROP FUNCTION IF EXISTS wallet_capture_once(
  text, text, bytea, bytea, uuid, text, bytea, jsonb, uuid, text, bigint, uuid, timestamptz
);
DROP FUNCTION IF EXISTS wallet_capture_once(
  text, text, bytea, bytea, uuid, text, bytea, jsonb, uuid, text, bigint, uuid, timestamptz, bigint, uuid
);
CREATE OR REPLACE FUNCTION wallet_capture_once(
  p_operation text, p_key text, p_request_hash bytea, p_response bytea,
  p_event_id uuid, p_event_subject text, p_event_payload bytea, p_event_headers jsonb,
  p_hold_id uuid, p_service text, p_amount_minor bigint, p_transfer_id uuid, p_now timestamptz,
  p_payer_amount_minor bigint DEFAULT 0, p_payer_transfer_id uuid DEFAULT NULL
) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
  v_item record;
BEGIN
  SELECT * INTO v_item FROM wallet_capture_many(
    p_operation => ARRAY[p_operation], p_key => ARRAY[p_key], p_request_hash => ARRAY[p_request_hash],
    p_response => ARRAY[p_response], p_event_id => ARRAY[p_event_id], p_event_subject => ARRAY[p_event_subject],
    p_event_payload => ARRAY[p_event_payload], p_event_headers => ARRAY[p_event_headers],
    p_hold_id => ARRAY[p_hold_id], p_service => ARRAY[p_service], p_amount_minor => ARRAY[p_amount_minor],
    p_transfer_id => ARRAY[p_transfer_id], p_now => ARRAY[p_now],
    p_payer_amount_minor => ARRAY[p_payer_amount_minor], p_payer_transfer_id => ARRAY[p_payer_transfer_id]
  );
  RETURN wallet_item_answer(v_item.response, v_item.error_state, v_item.error_message, v_item.error_constraint);
END $$;
