-- Refunds part of a captured hold, from the merchant back to the resident; repeated refunds never exceed what was
-- captured. Lock order: hold, resident account, merchant account.
DROP FUNCTION IF EXISTS wallet_refund(uuid, text, bigint, uuid, text, timestamptz);
CREATE FUNCTION wallet_refund(p_hold_id uuid, p_service text, p_amount_minor bigint, p_transfer_id uuid, p_reason text, p_now timestamptz)
RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds := wallet_lock_hold(p_hold_id, p_service);
  v_resident_after bigint;
  v_merchant_after bigint;
BEGIN
  IF v_hold.status <> 'captured' THEN RAISE EXCEPTION 'HOLD_NOT_CAPTURED'; END IF;
  IF v_hold.refunded_minor + p_amount_minor > v_hold.captured_minor THEN RAISE EXCEPTION 'REFUND_EXCEEDS_CAPTURED'; END IF;
  UPDATE accounts SET balance_minor = balance_minor + p_amount_minor
  WHERE id = v_hold.resident_account_id RETURNING balance_minor INTO v_resident_after;
  UPDATE accounts SET balance_minor = balance_minor - p_amount_minor
  WHERE id = v_hold.merchant_account_id RETURNING balance_minor INTO v_merchant_after;
  INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, currency, amount_minor, hold_id,
                         debit_balance_after_minor, credit_balance_after_minor, reference, created_at)
  VALUES (p_transfer_id, 'refund', v_hold.merchant_account_id, v_hold.resident_account_id, v_hold.currency, p_amount_minor,
          v_hold.id, v_merchant_after, v_resident_after, p_reason, p_now);
  UPDATE holds SET refunded_minor = refunded_minor + p_amount_minor WHERE id = v_hold.id RETURNING * INTO v_hold;
  RETURN v_hold;
END $$;
