-- Releases pending holds past their expiry. Sweeps lock the resident accounts of a batch in account order, so
-- concurrent sweeps (several instances) cannot deadlock each other, and skip each other's rows.
CREATE OR REPLACE FUNCTION wallet_expire_holds(p_now timestamptz, p_limit integer) RETURNS SETOF holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds;
BEGIN
  FOR v_hold IN
    SELECT * FROM holds WHERE status = 'pending' AND expires_at <= p_now ORDER BY resident_account_id, id LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  LOOP
    RETURN NEXT wallet_release(v_hold, 'expired', p_now);
  END LOOP;
END $$;
