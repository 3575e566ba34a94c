-- Authorize in one statement (one round trip, the statement's own transaction): the caller computes the response
-- and the event beforehand, since both follow from the request; this claims the idempotency key with that
-- response, writes the outbox row and authorizes (last, so a split hold's payer row is locked just before the
-- commit), then records the risk decision that approved it. A repeated key returns the stored response; any refusal
-- rolls back all of it, claim included.
DROP FUNCTION IF EXISTS wallet_authorize_once(
  text, text, bytea, bytea, uuid, text, bytea, jsonb,
  uuid, text, uuid, text, text, char(3), bigint, text, timestamptz, timestamptz, integer, bigint, bigint
);
DROP FUNCTION IF EXISTS wallet_authorize_once(
  text, text, bytea, bytea, uuid, text, bytea, jsonb,
  uuid, text, uuid, text, text, char(3), bigint, text, timestamptz, timestamptz, integer, bigint, bigint, text, text, bigint
);
DROP FUNCTION IF EXISTS wallet_authorize_once(
  text, text, bytea, bytea, uuid, text, bytea, jsonb,
  uuid, text, uuid, text, text, char(3), bigint, text, timestamptz, timestamptz, integer, bigint, bigint, text, text, bigint,
  jsonb
);
CREATE FUNCTION wallet_authorize_once(
  p_operation text, p_key text, p_request_hash bytea, p_response bytea,
  p_event_id uuid, p_event_subject text, p_event_payload bytea, p_event_headers jsonb,
  p_hold_id uuid, p_service text, p_resident_id uuid, p_credential_id text, p_mandate_nonce text,
  p_currency char(3), p_amount_minor bigint, p_reference text, p_now timestamptz, p_expires_at timestamptz,
  p_velocity_per_minute integer, p_daily_limit bigint, p_credential_daily_limit bigint,
  p_payee text DEFAULT NULL, p_payer text DEFAULT NULL, p_payer_amount_minor bigint DEFAULT 0,
  p_risk_decision jsonb DEFAULT NULL
) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
  v_stored bytea := wallet_claim(p_operation, p_key, p_request_hash, p_response);
BEGIN
  IF v_stored IS NOT NULL THEN RETURN v_stored; END IF;
  PERFORM wallet_outbox(p_event_id, p_event_subject, p_event_payload, p_event_headers);
  PERFORM wallet_authorize(p_hold_id, p_service, p_resident_id, p_credential_id, p_mandate_nonce, p_currency, p_amount_minor,
                           p_reference, p_now, p_expires_at, p_velocity_per_minute, p_daily_limit, p_credential_daily_limit,
                           p_payee, p_payer, p_payer_amount_minor);
  IF p_risk_decision IS NOT NULL THEN PERFORM wallet_record_risk_decision(p_risk_decision); END IF;
  RETURN p_response;
END $$;
