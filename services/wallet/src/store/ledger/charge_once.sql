-- One charge in one statement (the store's path without group commit: one round trip, the statement's own
-- transaction): wallet_charge_many with this one item, its refusal raised again as wallet_charge_many reports it
-- (SQLSTATE, message, constraint), so an item is written by one code whether batched or not.
DROP FUNCTION IF EXISTS wallet_charge_once(
  text, text, bytea, bytea, uuid, text, bytea, jsonb, uuid, text, bytea, jsonb,
  uuid, text, uuid, text, text, char(3), bigint, text, timestamptz, integer, bigint, bigint,
  uuid, text, text, bigint, uuid
);
DROP FUNCTION IF EXISTS wallet_charge_once(
  text, text, bytea, bytea, uuid, text, bytea, jsonb, uuid, text, bytea, jsonb,
  uuid, text, uuid, text, text, char(3), bigint, text, timestamptz, integer, bigint, bigint,
  uuid, text, text, bigint, uuid,
  jsonb  -- the risk decision as jsonb (record_risk_decisions.sql says why json)
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
  p_decision_id uuid DEFAULT NULL, p_decision_merchant text DEFAULT NULL, p_decision_outcome text DEFAULT NULL,
  p_decision_stage text DEFAULT NULL, p_decision_score smallint DEFAULT NULL, p_decision_reasons json DEFAULT NULL,
  p_decision_rule_set_version text DEFAULT NULL, p_decision_rule_reason text DEFAULT NULL,
  p_decision_explanation text DEFAULT NULL, p_decision_event json DEFAULT NULL, p_decided_at timestamptz DEFAULT NULL
) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
  v_item record;
BEGIN
  SELECT * INTO v_item FROM wallet_charge_many(
    p_operation => ARRAY[p_operation], p_key => ARRAY[p_key], p_request_hash => ARRAY[p_request_hash],
    p_response => ARRAY[p_response], p_event_id => ARRAY[p_event_id], p_event_subject => ARRAY[p_event_subject],
    p_event_payload => ARRAY[p_event_payload], p_event_headers => ARRAY[p_event_headers],
    p_captured_event_id => ARRAY[p_captured_event_id], p_captured_event_subject => ARRAY[p_captured_event_subject],
    p_captured_event_payload => ARRAY[p_captured_event_payload],
    p_captured_event_headers => ARRAY[p_captured_event_headers], p_hold_id => ARRAY[p_hold_id],
    p_service => ARRAY[p_service], p_resident_id => ARRAY[p_resident_id], p_credential_id => ARRAY[p_credential_id],
    p_mandate_nonce => ARRAY[p_mandate_nonce], p_currency => ARRAY[p_currency],
    p_amount_minor => ARRAY[p_amount_minor], p_reference => ARRAY[p_reference], p_now => ARRAY[p_now],
    p_velocity_per_minute => ARRAY[p_velocity_per_minute], p_daily_limit => ARRAY[p_daily_limit],
    p_credential_daily_limit => ARRAY[p_credential_daily_limit], p_transfer_id => ARRAY[p_transfer_id],
    p_payee => ARRAY[p_payee], p_payer => ARRAY[p_payer], p_payer_amount_minor => ARRAY[p_payer_amount_minor],
    p_payer_transfer_id => ARRAY[p_payer_transfer_id], p_decision_id => ARRAY[p_decision_id], p_decision_merchant => ARRAY[p_decision_merchant],
    p_decision_outcome => ARRAY[p_decision_outcome], p_decision_stage => ARRAY[p_decision_stage],
    p_decision_score => ARRAY[p_decision_score],
    -- One JSON line each (record_risk_decisions.sql): a line break in JSON is whitespace, and becomes a space.
    p_decision_reasons_lines => translate(p_decision_reasons::text, E'\n', ' '),
    p_decision_rule_set_version => ARRAY[p_decision_rule_set_version],
    p_decision_rule_reason => ARRAY[p_decision_rule_reason], p_decision_explanation => ARRAY[p_decision_explanation],
    p_decision_event_lines => translate(p_decision_event::text, E'\n', ' '),
    p_decided_at => ARRAY[p_decided_at]
  );
  RETURN wallet_item_answer(v_item.response, v_item.error_state, v_item.error_message, v_item.error_constraint);
END $$;
-- The previous release's call, the risk decision as one JSON object per item (keys named as risk_decisions'
-- columns), kept so that instances of that release go on working while a rolling update replaces them: it hands
-- the decision's fields on as columns. Drop it with the next change of this function's arguments.
DROP FUNCTION IF EXISTS wallet_charge_once(text, text, bytea, bytea, uuid, text, bytea, jsonb, uuid, text, bytea, jsonb, uuid, text, uuid, text, text, char(3), bigint, text, timestamptz, integer, bigint, bigint, uuid, text, text, bigint, uuid, json);
CREATE FUNCTION wallet_charge_once(
  p_operation text, p_key text, p_request_hash bytea, p_response bytea, p_event_id uuid, p_event_subject text,
  p_event_payload bytea, p_event_headers jsonb, p_captured_event_id uuid, p_captured_event_subject text,
  p_captured_event_payload bytea, p_captured_event_headers jsonb, p_hold_id uuid, p_service text, p_resident_id uuid,
  p_credential_id text, p_mandate_nonce text, p_currency char(3), p_amount_minor bigint, p_reference text,
  p_now timestamptz, p_velocity_per_minute integer, p_daily_limit bigint, p_credential_daily_limit bigint,
  p_transfer_id uuid, p_payee text, p_payer text, p_payer_amount_minor bigint, p_payer_transfer_id uuid,
  p_risk_decision json
) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
  v_decision record;
BEGIN
  SELECT * INTO v_decision FROM wallet_previous_decisions(ARRAY[p_risk_decision]);
  RETURN wallet_charge_once(
    p_operation => p_operation, p_key => p_key, p_request_hash => p_request_hash, p_response => p_response,
    p_event_id => p_event_id, p_event_subject => p_event_subject, p_event_payload => p_event_payload,
    p_event_headers => p_event_headers, p_captured_event_id => p_captured_event_id,
    p_captured_event_subject => p_captured_event_subject, p_captured_event_payload => p_captured_event_payload,
    p_captured_event_headers => p_captured_event_headers, p_hold_id => p_hold_id, p_service => p_service,
    p_resident_id => p_resident_id, p_credential_id => p_credential_id, p_mandate_nonce => p_mandate_nonce,
    p_currency => p_currency, p_amount_minor => p_amount_minor, p_reference => p_reference, p_now => p_now,
    p_velocity_per_minute => p_velocity_per_minute, p_daily_limit => p_daily_limit,
    p_credential_daily_limit => p_credential_daily_limit, p_transfer_id => p_transfer_id, p_payee => p_payee,
    p_payer => p_payer, p_payer_amount_minor => p_payer_amount_minor, p_payer_transfer_id => p_payer_transfer_id,
    p_decision_id => v_decision.decision_id[1], p_decision_merchant => v_decision.decision_merchant[1],
    p_decision_outcome => v_decision.decision_outcome[1], p_decision_stage => v_decision.decision_stage[1],
    p_decision_score => v_decision.decision_score[1], p_decision_reasons => v_decision.decision_reasons[1],
    p_decision_rule_set_version => v_decision.decision_rule_set_version[1],
    p_decision_rule_reason => v_decision.decision_rule_reason[1],
    p_decision_explanation => v_decision.decision_explanation[1], p_decision_event => v_decision.decision_event[1],
    p_decided_at => v_decision.decided_at[1]
  );
END $$;
