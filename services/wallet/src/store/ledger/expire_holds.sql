-- Releases pending holds past their expiry. Sweeps lock the resident accounts of a batch in account order, so
-- concurrent sweeps (several instances) cannot deadlock each other, and skip each other's rows. The payer legs of
-- the batch are released last, once per payer account in account order: every resident's lock is taken before any
-- payer's (lock order: hold, resident account, merchant account, payer account), so a sweep cannot deadlock with an
-- authorization that holds its resident and waits for the payer; and a payer's row is locked once per batch.
CREATE OR REPLACE FUNCTION wallet_expire_holds(p_now timestamptz, p_limit integer) RETURNS SETOF holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds;
  v_payer_ids uuid[] := '{}';
  v_payer_amounts bigint[] := '{}';
  v_payer record;
BEGIN
  FOR v_hold IN
    SELECT * FROM holds WHERE status = 'pending' AND expires_at <= p_now ORDER BY resident_account_id, id LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  LOOP
    RETURN NEXT wallet_release(v_hold, 'expired', p_now);
    IF v_hold.payer_account_id IS NOT NULL THEN
      v_payer_ids := v_payer_ids || v_hold.payer_account_id;
      v_payer_amounts := v_payer_amounts || v_hold.payer_amount_minor;
    END IF;
  END LOOP;
  FOR v_payer IN
    SELECT id, sum(amount)::bigint AS amount FROM unnest(v_payer_ids, v_payer_amounts) AS leg(id, amount) GROUP BY id ORDER BY id
  LOOP
    PERFORM wallet_release_payer(v_payer.id, v_payer.amount);
  END LOOP;
END $$;
