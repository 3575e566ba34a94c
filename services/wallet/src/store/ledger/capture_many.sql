-- Many captures in one statement and so one transaction and one commit (store/ledger_batches.ts, the wallet's group
-- commit): wallet_capture_once for each index of the arrays, in order, each in a block of its own (a subtransaction),
-- so one refused item rolls back only itself and the others commit. One row per item, in order: the response, or
-- the refusal (SQLSTATE, message, constraint) the caller turns into the error wallet_capture_once alone would have raised.
-- At most 64 items: past that many subtransactions PostgreSQL's snapshots overflow to pg_subtrans.
CREATE OR REPLACE FUNCTION wallet_capture_many(
  p_operation text[], p_key text[], p_request_hash bytea[], p_response bytea[], p_event_id uuid[],
  p_event_subject text[], p_event_payload bytea[], p_event_headers jsonb[], p_hold_id uuid[], p_service text[],
  p_amount_minor bigint[], p_transfer_id uuid[], p_now timestamptz[], p_payer_amount_minor bigint[],
  p_payer_transfer_id uuid[]
) RETURNS TABLE (response bytea, error_state text, error_message text, error_constraint text)
LANGUAGE plpgsql AS $$
BEGIN
  ASSERT coalesce(array_length(p_key, 1), 0) <= 64, 'at most 64 items in one batch';
  FOR i IN 1 .. coalesce(array_length(p_key, 1), 0) LOOP
    BEGIN
      response := wallet_capture_once(
        p_operation => p_operation[i], p_key => p_key[i], p_request_hash => p_request_hash[i],
        p_response => p_response[i], p_event_id => p_event_id[i], p_event_subject => p_event_subject[i],
        p_event_payload => p_event_payload[i], p_event_headers => p_event_headers[i], p_hold_id => p_hold_id[i],
        p_service => p_service[i], p_amount_minor => p_amount_minor[i], p_transfer_id => p_transfer_id[i],
        p_now => p_now[i], p_payer_amount_minor => p_payer_amount_minor[i],
        p_payer_transfer_id => p_payer_transfer_id[i]
      );
      error_state := NULL;
      error_message := NULL;
      error_constraint := NULL;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS error_state = RETURNED_SQLSTATE, error_message = MESSAGE_TEXT,
                              error_constraint = CONSTRAINT_NAME;
      response := NULL;
    END;
    RETURN NEXT;
  END LOOP;
END $$;
