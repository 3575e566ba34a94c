-- Locks one of a service's holds: the first lock every hold operation takes. A hold of another service reads as
-- not found: services cannot probe each other's holds.
CREATE OR REPLACE FUNCTION wallet_lock_hold(p_hold_id uuid, p_service text) RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds;
BEGIN
  SELECT * INTO v_hold FROM holds WHERE id = p_hold_id FOR UPDATE;
  IF NOT FOUND OR v_hold.service <> p_service THEN RAISE EXCEPTION 'HOLD_NOT_FOUND'; END IF;
  RETURN v_hold;
END $$;
