-- The risk checks of a new charge on the resident's account (locked by the caller): velocity per minute, the
-- resident's daily amount, the credential's daily spend (counted here). Returns the account's counters after it,
-- for the caller's one UPDATE of the row. Shared by wallet_authorize and wallet_charge: one set of limits.
CREATE OR REPLACE FUNCTION wallet_spend(
  p_resident accounts, p_credential_id text, p_amount_minor bigint, p_now timestamptz,
  p_velocity_per_minute integer, p_daily_limit bigint, p_credential_daily_limit bigint,
  OUT velocity_window_start timestamptz, OUT velocity_count integer, OUT spend_day date, OUT spend_day_minor bigint
) LANGUAGE plpgsql AS $$
DECLARE
  v_credential_spent bigint;
BEGIN
  spend_day := (p_now AT TIME ZONE 'UTC')::date;
  IF p_resident.velocity_window_start > p_now - interval '1 minute' THEN
    velocity_window_start := p_resident.velocity_window_start;
    velocity_count := p_resident.velocity_count + 1;
  ELSE
    velocity_window_start := p_now;
    velocity_count := 1;
  END IF;
  IF velocity_count > p_velocity_per_minute THEN RAISE EXCEPTION 'RISK_VELOCITY_LIMIT'; END IF;
  spend_day_minor := p_amount_minor
                     + CASE WHEN p_resident.spend_day = spend_day THEN p_resident.spend_day_minor ELSE 0 END;
  IF spend_day_minor > p_daily_limit THEN RAISE EXCEPTION 'RISK_DAILY_LIMIT'; END IF;
  -- The day's row is there for every charge but a credential's first of the day: an UPDATE adds to it. An upsert
  -- each time would lock the row it finds before updating it (a WAL record more per charge).
  UPDATE credential_spend SET spent_minor = spent_minor + p_amount_minor
  WHERE credential_id = p_credential_id AND day = spend_day
  RETURNING spent_minor INTO v_credential_spent;
  IF NOT FOUND THEN  -- the first of the day, or one that another transaction inserts at the same time
    INSERT INTO credential_spend (credential_id, day, spent_minor) VALUES (p_credential_id, spend_day, p_amount_minor)
    ON CONFLICT (credential_id, day) DO UPDATE SET spent_minor = credential_spend.spent_minor + EXCLUDED.spent_minor
    RETURNING spent_minor INTO v_credential_spent;
  END IF;
  IF v_credential_spent > p_credential_daily_limit THEN RAISE EXCEPTION 'RISK_CREDENTIAL_CAP'; END IF;
END $$;
