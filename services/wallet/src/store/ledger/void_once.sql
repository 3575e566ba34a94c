-- Void in one statement, like wallet_authorize_once: claim with the precomputed response, outbox row, void (last,
-- so a split hold's payer row is locked just before the commit).
CREATE OR REPLACE FUNCTION wallet_void_once(
  p_operation text, p_key text, p_request_hash bytea, p_response bytea,
  p_event_id uuid, p_event_subject text, p_event_payload bytea, p_event_headers jsonb,
  p_hold_id uuid, p_service text, p_now timestamptz
) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
  v_stored bytea := wallet_claim(p_operation, p_key, p_request_hash, p_response);
BEGIN
  IF v_stored IS NOT NULL THEN RETURN v_stored; END IF;
  PERFORM wallet_outbox(p_event_id, p_event_subject, p_event_payload, p_event_headers);
  PERFORM wallet_void(p_hold_id, p_service, p_now);
  RETURN p_response;
END $$;
