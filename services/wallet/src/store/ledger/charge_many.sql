-- Many charges in one statement and so one transaction and one commit (store/ledger_batches.ts, the wallet's group
-- commit): for each index of the arrays, in order, the idempotency claim and wallet_charge, in a block of its own
-- (a subtransaction), so one refused item rolls back only itself and the others commit; a repeated key returns the
-- response stored for it and changes nothing. A charge writes the two events an authorize and its capture write (so
-- every consumer sees a charge as it sees those), each hold's authorized event before its captured one.
-- wallet_charge_once is this with one item.
-- One row per item, in order: the response (the stored one for a repeated key), or the refusal (SQLSTATE, message,
-- constraint) the caller turns into the error the item alone would have raised. After the loop, the events (and
-- risk decisions) of the items written go in with one INSERT each for the whole batch (outbox_many.sql,
-- record_risk_decisions.sql), in this same statement and so in the same commit as their items; a refused or
-- repeated item writes none. Their transfers go in the same way, with one INSERT (insert_transfers.sql), before the
-- merchants' credits, so their foreign key checks find the merchants' rows as each item locked them. The merchants'
-- credits are added to their balances after the loop too, one UPDATE per merchant and batch (owe_credit.sql,
-- post_credits.sql; charge.sql: each item locks its merchant's row where its UPDATE of it did, and records the
-- balance after it, counting the credits of the earlier items written). At most 64 items: past that many
-- subtransactions PostgreSQL's snapshots overflow to pg_subtrans.
DROP FUNCTION IF EXISTS wallet_charge_many(text[], text[], bytea[], bytea[], uuid[], text[], bytea[], jsonb[], uuid[], text[], bytea[], jsonb[], uuid[], text[], uuid[], text[], text[], char(3)[], bigint[], text[], timestamptz[], integer[], bigint[], bigint[], uuid[], text[], text[], bigint[], uuid[]);
-- The version whose risk decisions were jsonb (record_risk_decisions.sql says why json).
DROP FUNCTION IF EXISTS wallet_charge_many(text[], text[], bytea[], bytea[], uuid[], text[], bytea[], jsonb[], uuid[], text[], bytea[], jsonb[], uuid[], text[], uuid[], text[], text[], char(3)[], bigint[], text[], timestamptz[], integer[], bigint[], bigint[], uuid[], text[], text[], bigint[], uuid[], jsonb[]);
CREATE OR REPLACE FUNCTION wallet_charge_many(
  p_operation text[], p_key text[], p_request_hash bytea[], p_response bytea[], p_event_id uuid[],
  p_event_subject text[], p_event_payload bytea[], p_event_headers jsonb[], p_captured_event_id uuid[],
  p_captured_event_subject text[], p_captured_event_payload bytea[], p_captured_event_headers jsonb[],
  p_hold_id uuid[], p_service text[], p_resident_id uuid[], p_credential_id text[], p_mandate_nonce text[],
  p_currency char(3)[], p_amount_minor bigint[], p_reference text[], p_now timestamptz[],
  p_velocity_per_minute integer[], p_daily_limit bigint[], p_credential_daily_limit bigint[], p_transfer_id uuid[],
  p_payee text[], p_payer text[], p_payer_amount_minor bigint[], p_payer_transfer_id uuid[],
  p_decision_id uuid[], p_decision_merchant text[], p_decision_outcome text[], p_decision_stage text[],
  p_decision_score smallint[], p_decision_reasons_lines text, p_decision_rule_set_version text[],
  p_decision_rule_reason text[], p_decision_explanation text[], p_decision_event_lines text, p_decided_at timestamptz[]
) RETURNS TABLE (response bytea, error_state text, error_message text, error_constraint text)
LANGUAGE plpgsql AS $$
DECLARE
  v_stored bytea;
  -- Items that claimed their key and made their change (not refused, not a repeat): their events are written.
  v_written boolean[] := array_fill(false, ARRAY[coalesce(array_length(p_key, 1), 0)]);
  v_charged record;
  -- The transfers of the written items, inserted after the loop.
  v_transfers transfers[] := '{}';
  -- The merchants' accounts the written items credit and what each is owed (owe_credit.sql).
  v_unposted_accounts uuid[] := '{}';
  v_unposted_minor bigint[] := '{}';
  -- wallet_owe_credit's answer: an assignment, not SELECT ... INTO, which runs a query (2-3x the call's cost).
  v_owed record;
BEGIN
  ASSERT coalesce(array_length(p_key, 1), 0) <= 64, 'at most 64 items in one batch';
  FOR i IN 1 .. coalesce(array_length(p_key, 1), 0) LOOP
    BEGIN
      v_stored := wallet_claim(p_operation[i], p_key[i], p_request_hash[i], p_response[i]);
      IF v_stored IS NULL THEN
        v_charged := wallet_charge(p_hold_id[i], p_service[i], p_resident_id[i], p_credential_id[i],
                                   p_mandate_nonce[i], p_currency[i], p_amount_minor[i], p_reference[i], p_now[i],
                                   p_velocity_per_minute[i], p_daily_limit[i], p_credential_daily_limit[i],
                                   p_transfer_id[i], p_payee[i], p_payer[i], p_payer_amount_minor[i],
                                   p_payer_transfer_id[i], v_unposted_accounts, v_unposted_minor);
        -- Last in the block: nothing after it can roll the item back, so only written items are owed and posted.
        v_owed := wallet_owe_credit(v_unposted_accounts, v_unposted_minor, v_charged.merchant_account_id,
                                    p_amount_minor[i] + p_payer_amount_minor[i]);
        v_unposted_accounts := v_owed.p_accounts;
        v_unposted_minor := v_owed.p_minor;
        v_transfers := v_transfers || v_charged.posted;
        v_written[i] := true;
      END IF;
      response := coalesce(v_stored, p_response[i]);
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
  PERFORM wallet_insert_transfers(v_transfers);
  PERFORM wallet_post_credits(v_unposted_accounts, v_unposted_minor);
  PERFORM wallet_outbox_many(v_written, p_event_id, p_event_subject, p_event_payload, p_event_headers);
  PERFORM wallet_outbox_many(v_written, p_captured_event_id, p_captured_event_subject, p_captured_event_payload,
                             p_captured_event_headers);
  PERFORM wallet_record_risk_decisions(v_written, p_hold_id, p_service, p_resident_id, p_currency, p_amount_minor,
                                       p_decision_id, p_decision_merchant, p_decision_outcome, p_decision_stage,
                                       p_decision_score, p_decision_reasons_lines, p_decision_rule_set_version,
                                       p_decision_rule_reason, p_decision_explanation, p_decision_event_lines,
                                       p_decided_at);
END $$;
-- The release before the previous one sent the decision's reasons and event as json[] (one element per item); its
-- wrapper went with this function's next change of arguments, the JSON lines.
DROP FUNCTION IF EXISTS wallet_charge_many(text[], text[], bytea[], bytea[], uuid[], text[], bytea[], jsonb[], uuid[], text[], bytea[], jsonb[], uuid[], text[], uuid[], text[], text[], char(3)[], bigint[], text[], timestamptz[], integer[], bigint[], bigint[], uuid[], text[], text[], bigint[], uuid[], uuid[], text[], text[], text[], smallint[], json[], text[], text[], text[], json[], timestamptz[]);
-- The previous release's call, the decision's reasons and event as one JSON array each, kept so that instances of
-- that release go on working while a rolling update replaces them: it hands them on as the JSON lines this release
-- sends (record_risk_decisions.sql says why; previous_decisions.sql, wallet_json_lines). PL/pgSQL, which finds that
-- function when called rather than when created (it is in a later file). Drop it with the next change of this
-- function's arguments.
CREATE OR REPLACE FUNCTION wallet_charge_many(
  p_operation text[], p_key text[], p_request_hash bytea[], p_response bytea[], p_event_id uuid[],
  p_event_subject text[], p_event_payload bytea[], p_event_headers jsonb[], p_captured_event_id uuid[],
  p_captured_event_subject text[], p_captured_event_payload bytea[], p_captured_event_headers jsonb[],
  p_hold_id uuid[], p_service text[], p_resident_id uuid[], p_credential_id text[], p_mandate_nonce text[],
  p_currency char(3)[], p_amount_minor bigint[], p_reference text[], p_now timestamptz[],
  p_velocity_per_minute integer[], p_daily_limit bigint[], p_credential_daily_limit bigint[], p_transfer_id uuid[],
  p_payee text[], p_payer text[], p_payer_amount_minor bigint[], p_payer_transfer_id uuid[],
  p_decision_id uuid[], p_decision_merchant text[], p_decision_outcome text[], p_decision_stage text[],
  p_decision_score smallint[], p_decision_reasons_list json, p_decision_rule_set_version text[],
  p_decision_rule_reason text[], p_decision_explanation text[], p_decision_event_list json, p_decided_at timestamptz[]
) RETURNS TABLE (response bytea, error_state text, error_message text, error_constraint text)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT * FROM wallet_charge_many(
    p_operation, p_key, p_request_hash, p_response, p_event_id, p_event_subject, p_event_payload, p_event_headers,
    p_captured_event_id, p_captured_event_subject, p_captured_event_payload, p_captured_event_headers, p_hold_id,
    p_service, p_resident_id, p_credential_id, p_mandate_nonce, p_currency, p_amount_minor, p_reference, p_now,
    p_velocity_per_minute, p_daily_limit, p_credential_daily_limit, p_transfer_id, p_payee, p_payer,
    p_payer_amount_minor, p_payer_transfer_id, p_decision_id, p_decision_merchant, p_decision_outcome,
    p_decision_stage, p_decision_score, wallet_json_lines(p_decision_reasons_list), p_decision_rule_set_version,
    p_decision_rule_reason, p_decision_explanation, wallet_json_lines(p_decision_event_list), p_decided_at
  );
END $$;
