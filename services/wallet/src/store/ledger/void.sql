-- Voids a pending hold: nothing is posted, the reservation is released.
CREATE OR REPLACE FUNCTION wallet_void(p_hold_id uuid, p_service text, p_now timestamptz) RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds := wallet_lock_hold(p_hold_id, p_service);
BEGIN
  IF v_hold.status <> 'pending' THEN RAISE EXCEPTION 'HOLD_NOT_PENDING'; END IF;
  RETURN wallet_release(v_hold, 'voided', p_now);
END $$;
