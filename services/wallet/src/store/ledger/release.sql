-- Closes a locked pending hold without posting (void or expiry) and releases its resident's leg: the reservation and
-- its share of the daily limits. A split hold's payer leg is released after it by wallet_release_payer, by the
-- caller: a sweep of many holds takes every resident's lock before any payer's (lock order: hold, resident account,
-- merchant account, payer account).
CREATE OR REPLACE FUNCTION wallet_release(p_hold holds, p_status text, p_now timestamptz) RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds;
BEGIN
  UPDATE accounts SET held_minor = held_minor - p_hold.amount_minor WHERE id = p_hold.resident_account_id;
  PERFORM wallet_give_back(p_hold, p_hold.amount_minor);
  UPDATE holds SET status = p_status, closed_at = p_now WHERE id = p_hold.id RETURNING * INTO v_hold;
  RETURN v_hold;
END $$;
