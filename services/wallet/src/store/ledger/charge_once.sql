-- Charge in one statement, like wallet_authorize_once: claim with the precomputed response, the two outbox rows an
-- authorize and its capture write (so every consumer sees a charge as it sees those), then the charge (last, so a
-- split charge's payer row is locked just before the commit), then the risk decision that approved it. A repeated key
-- returns the stored response; any refusal rolls back all of it, claim included.
DROP FUNCTION IF EXISTS wallet_charge_once(
  text, text, bytea, bytea, uuid, text, bytea, jsonb, uuid, text, bytea, jsonb,
  uuid, text, uuid, text, text, char(3), bigint, text, timestamptz, integer, bigint, bigint,
  uuid, text, text, bigint, uuid
);
CREATE OR REPLACE FUNCTION wallet_charge_once(
  p_operation text, p_key text, p_request_hash bytea, p_response bytea,
  p_event_id uuid, p_event_subject text, p_event_payload bytea, p_event_headers jsonb,
  p_captured_event_id uuid, p_captured_event_subject text, p_captured_event_payload bytea,
  p_captured_event_headers jsonb,
  p_hold_id uuid, p_service text, p_resident_id uuid, p_credential_id text, p_mandate_nonce text,
  p_currency char(3), p_amount_minor bigint, p_reference text, p_now timestamptz,
  p_velocity_per_minute integer, p_daily_limit bigint, p_credential_daily_limit bigint,
  p_transfer_id uuid, p_payee text, p_payer text, p_payer_amount_minor bigint, p_payer_transfer_id uuid,
  p_risk_decision jsonb DEFAULT NULL
) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
  v_stored bytea := wallet_claim(p_operation, p_key, p_request_hash, p_response);
BEGIN
  IF v_stored IS NOT NULL THEN RETURN v_stored; END IF;
  PERFORM wallet_outbox(p_event_id, p_event_subject, p_event_payload, p_event_headers);
  PERFORM wallet_outbox(p_captured_event_id, p_captured_event_subject, p_captured_event_payload, p_captured_event_headers);
  PERFORM wallet_charge(p_hold_id, p_service, p_resident_id, p_credential_id, p_mandate_nonce, p_currency, p_amount_minor,
                        p_reference, p_now, p_velocity_per_minute, p_daily_limit, p_credential_daily_limit,
                        p_transfer_id, p_payee, p_payer, p_payer_amount_minor, p_payer_transfer_id);
  IF p_risk_decision IS NOT NULL THEN PERFORM wallet_record_risk_decision(p_risk_decision); END IF;
  RETURN p_response;
END $$;
