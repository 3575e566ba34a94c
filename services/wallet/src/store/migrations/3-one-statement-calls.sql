-- The hot operations in one statement each (one round trip, the statement's own transaction): the caller
-- computes the response and the event beforehand, since both follow from the request and immutable hold
-- fields; the function claims the idempotency key with that response, applies the operation and writes the
-- outbox row. A repeated key returns the stored response; any refusal rolls back all of it, claim included.

-- NULL: the key is new and now claimed with p_response. Otherwise the response stored for it.
CREATE FUNCTION wallet_claim(p_operation text, p_key text, p_request_hash bytea, p_response bytea)
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

-- plpgsql, not sql: its body is checked when first called, after platform's outbox migration has run.
CREATE FUNCTION wallet_outbox(p_id uuid, p_subject text, p_payload bytea, p_headers jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox (id, subject, payload, headers) VALUES (p_id, p_subject, p_payload, p_headers);
END $$;

CREATE FUNCTION wallet_authorize_once(
  p_operation text, p_key text, p_request_hash bytea, p_response bytea,
  p_event_id uuid, p_event_subject text, p_event_payload bytea, p_event_headers jsonb,
  p_hold_id uuid, p_service text, p_resident_id uuid, p_credential_id text, p_mandate_nonce text,
  p_currency char(3), p_amount bigint, p_reference text, p_now timestamptz, p_expires_at timestamptz,
  p_velocity_per_minute integer, p_daily_limit bigint, p_credential_daily_limit bigint
) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
  v_stored bytea := wallet_claim(p_operation, p_key, p_request_hash, p_response);
BEGIN
  IF v_stored IS NOT NULL THEN RETURN v_stored; END IF;
  PERFORM wallet_authorize(p_hold_id, p_service, p_resident_id, p_credential_id, p_mandate_nonce, p_currency, p_amount,
                           p_reference, p_now, p_expires_at, p_velocity_per_minute, p_daily_limit, p_credential_daily_limit);
  PERFORM wallet_outbox(p_event_id, p_event_subject, p_event_payload, p_event_headers);
  RETURN p_response;
END $$;

CREATE FUNCTION wallet_capture_once(
  p_operation text, p_key text, p_request_hash bytea, p_response bytea,
  p_event_id uuid, p_event_subject text, p_event_payload bytea, p_event_headers jsonb,
  p_hold_id uuid, p_service text, p_amount bigint, p_transfer_id uuid, p_now timestamptz
) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
  v_stored bytea := wallet_claim(p_operation, p_key, p_request_hash, p_response);
BEGIN
  IF v_stored IS NOT NULL THEN RETURN v_stored; END IF;
  PERFORM wallet_capture(p_hold_id, p_service, p_amount, p_transfer_id, p_now);
  PERFORM wallet_outbox(p_event_id, p_event_subject, p_event_payload, p_event_headers);
  RETURN p_response;
END $$;

CREATE FUNCTION wallet_void_once(
  p_operation text, p_key text, p_request_hash bytea, p_response bytea,
  p_event_id uuid, p_event_subject text, p_event_payload bytea, p_event_headers jsonb,
  p_hold_id uuid, p_service text, p_now timestamptz
) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
  v_stored bytea := wallet_claim(p_operation, p_key, p_request_hash, p_response);
BEGIN
  IF v_stored IS NOT NULL THEN RETURN v_stored; END IF;
  PERFORM wallet_void(p_hold_id, p_service, p_now);
  PERFORM wallet_outbox(p_event_id, p_event_subject, p_event_payload, p_event_headers);
  RETURN p_response;
END $$;
