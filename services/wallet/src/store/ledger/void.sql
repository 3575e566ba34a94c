-- Voids a pending hold: nothing is posted, the reservation of each leg is released (the resident's, then the
-- payer's: lock order hold, resident account, payer account).
CREATE OR REPLACE FUNCTION wallet_void(p_hold_id uuid, p_service text, p_now timestamptz) RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds := wallet_lock_hold(p_hold_id, p_service);
BEGIN
  IF v_hold.status <> 'pending' THEN RAISE EXCEPTION 'HOLD_NOT_PENDING'; END IF;
  v_hold := wallet_release(v_hold, 'voided', p_now);
  PERFORM wallet_release_payer(v_hold.payer_account_id, v_hold.payer_amount_minor);
  RETURN v_hold;
END $$;
