-- Refunds part of a captured hold, from the merchant (the payee) back to the resident and, for a split hold, back to
-- the payer: each leg's refunds never exceed what that leg captured. One transfer per leg refunded. Lock order:
-- hold, resident account, merchant account, payer account.
DROP FUNCTION IF EXISTS wallet_refund(uuid, text, bigint, uuid, text, timestamptz);
DROP FUNCTION IF EXISTS wallet_refund(uuid, text, bigint, uuid, text, timestamptz, bigint, uuid);
CREATE OR REPLACE FUNCTION wallet_refund(
  p_hold_id uuid, p_service text, p_amount_minor bigint, p_transfer_id uuid, p_reason text, p_now timestamptz,
  p_payer_amount_minor bigint DEFAULT 0, p_payer_transfer_id uuid DEFAULT NULL
) RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds := wallet_lock_hold(p_hold_id, p_service);
  v_resident_after bigint;
  v_merchant_after bigint;
  v_payer_after bigint;
BEGIN
  ASSERT p_amount_minor >= 0 AND p_payer_amount_minor >= 0 AND p_amount_minor + p_payer_amount_minor > 0
     AND (p_payer_amount_minor = 0 OR p_payer_transfer_id IS NOT NULL), 'a refund returns something';
  IF v_hold.status <> 'captured' THEN RAISE EXCEPTION 'HOLD_NOT_CAPTURED'; END IF;
  IF v_hold.refunded_minor + p_amount_minor > v_hold.captured_minor
     OR v_hold.payer_refunded_minor + p_payer_amount_minor > v_hold.payer_captured_minor THEN
    RAISE EXCEPTION 'REFUND_EXCEEDS_CAPTURED';
  END IF;
  IF p_amount_minor > 0 THEN
    UPDATE accounts SET balance_minor = balance_minor + p_amount_minor
    WHERE id = v_hold.resident_account_id RETURNING balance_minor INTO v_resident_after;
    UPDATE accounts SET balance_minor = balance_minor - p_amount_minor
    WHERE id = v_hold.merchant_account_id RETURNING balance_minor INTO v_merchant_after;
    INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, currency, amount_minor, hold_id,
                           debit_balance_after_minor, credit_balance_after_minor, reference, created_at)
    VALUES (p_transfer_id, 'refund', v_hold.merchant_account_id, v_hold.resident_account_id, v_hold.currency,
            p_amount_minor, v_hold.id, v_merchant_after, v_resident_after, p_reason, p_now);
  END IF;
  UPDATE holds SET refunded_minor = refunded_minor + p_amount_minor,
                   payer_refunded_minor = payer_refunded_minor + p_payer_amount_minor
  WHERE id = v_hold.id RETURNING * INTO v_hold;
  IF p_payer_amount_minor > 0 THEN
    UPDATE accounts SET balance_minor = balance_minor - p_payer_amount_minor
    WHERE id = v_hold.merchant_account_id RETURNING balance_minor INTO v_merchant_after;
    UPDATE accounts SET balance_minor = balance_minor + p_payer_amount_minor
    WHERE id = v_hold.payer_account_id RETURNING balance_minor INTO v_payer_after;
    INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, currency, amount_minor, hold_id,
                           debit_balance_after_minor, credit_balance_after_minor, reference, created_at)
    VALUES (p_payer_transfer_id, 'refund', v_hold.merchant_account_id, v_hold.payer_account_id, v_hold.currency,
            p_payer_amount_minor, v_hold.id, v_merchant_after, v_payer_after, p_reason, p_now);
  END IF;
  RETURN v_hold;
END $$;
