-- Risk counters count what is spent: an amount a hold releases (void, expiry, the uncaptured part of a capture) is
-- given back to the resident's daily amount and the credential's daily spend of the day the hold was made.
DROP FUNCTION IF EXISTS wallet_give_back(holds, bigint);
CREATE OR REPLACE FUNCTION wallet_give_back(p_hold holds, p_amount_minor bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_day date := (p_hold.created_at AT TIME ZONE 'UTC')::date;
BEGIN
  IF p_amount_minor <= 0 THEN RETURN; END IF;
  UPDATE accounts SET spend_day_minor = greatest(spend_day_minor - p_amount_minor, 0)
  WHERE id = p_hold.resident_account_id AND spend_day = v_day;
  UPDATE credential_spend SET spent_minor = greatest(spent_minor - p_amount_minor, 0)
  WHERE credential_id = p_hold.credential_id AND day = v_day;
END $$;
