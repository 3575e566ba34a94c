-- The ledger's operations, each one function so it runs in a single round trip inside the caller's
-- transaction. A refusal raises an exception whose message is the stable reason (the application maps it to
-- a gRPC status); the transaction then rolls back whole. Lock order everywhere: hold, resident account,
-- merchant account (float before resident for top-ups), so concurrent operations cannot deadlock.

CREATE FUNCTION wallet_open_account(p_id uuid, p_kind text, p_owner text, p_currency char(3))
RETURNS TABLE (account_id uuid, opened boolean) LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO accounts (id, kind, owner, currency) VALUES (p_id, p_kind, p_owner, p_currency)
  ON CONFLICT (kind, owner, currency) DO NOTHING;
  IF FOUND THEN
    RETURN QUERY SELECT p_id, true;
  ELSE
    RETURN QUERY SELECT a.id, false FROM accounts a WHERE a.kind = p_kind AND a.owner = p_owner AND a.currency = p_currency;
  END IF;
END $$;

CREATE FUNCTION wallet_top_up(
  p_transfer_id uuid, p_resident_id uuid, p_currency char(3), p_amount bigint, p_reference text, p_now timestamptz,
  p_new_account_id uuid
) RETURNS transfers LANGUAGE plpgsql AS $$
DECLARE
  v_float accounts;
  v_resident accounts;
  v_transfer transfers;
BEGIN
  SELECT * INTO v_float FROM accounts WHERE kind = 'float' AND owner = 'city' AND currency = p_currency FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'CURRENCY_UNSUPPORTED'; END IF;
  INSERT INTO accounts (id, kind, owner, currency) VALUES (p_new_account_id, 'resident', p_resident_id::text, p_currency)
  ON CONFLICT (kind, owner, currency) DO NOTHING;
  UPDATE accounts SET balance_minor = balance_minor + p_amount
  WHERE kind = 'resident' AND owner = p_resident_id::text AND currency = p_currency RETURNING * INTO v_resident;
  UPDATE accounts SET balance_minor = balance_minor - p_amount WHERE id = v_float.id RETURNING * INTO v_float;
  INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, currency, amount_minor,
                         debit_balance_after_minor, credit_balance_after_minor, reference, created_at)
  VALUES (p_transfer_id, 'top_up', v_float.id, v_resident.id, p_currency, p_amount,
          v_float.balance_minor, v_resident.balance_minor, p_reference, p_now)
  RETURNING * INTO v_transfer;
  RETURN v_transfer;
END $$;

CREATE FUNCTION wallet_authorize(
  p_hold_id uuid, p_service text, p_resident_id uuid, p_credential_id text, p_mandate_nonce text,
  p_currency char(3), p_amount bigint, p_reference text, p_now timestamptz, p_expires_at timestamptz,
  p_velocity_per_minute integer, p_daily_limit bigint, p_credential_daily_limit bigint
) RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_day date := (p_now AT TIME ZONE 'UTC')::date;
  v_resident accounts;
  v_merchant_id uuid;
  v_window timestamptz;
  v_count integer;
  v_spent bigint;
  v_credential_spent bigint;
  v_hold holds;
BEGIN
  SELECT * INTO v_resident FROM accounts
  WHERE kind = 'resident' AND owner = p_resident_id::text AND currency = p_currency FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'INSUFFICIENT_FUNDS'; END IF;
  SELECT id INTO v_merchant_id FROM accounts WHERE kind = 'merchant' AND owner = p_service AND currency = p_currency;
  IF NOT FOUND THEN RAISE EXCEPTION 'MERCHANT_ACCOUNT_NOT_FOUND'; END IF;
  IF v_resident.balance_minor - v_resident.held_minor < p_amount THEN RAISE EXCEPTION 'INSUFFICIENT_FUNDS'; END IF;

  IF v_resident.velocity_window_start > p_now - interval '1 minute' THEN
    v_window := v_resident.velocity_window_start;
    v_count := v_resident.velocity_count + 1;
  ELSE
    v_window := p_now;
    v_count := 1;
  END IF;
  IF v_count > p_velocity_per_minute THEN RAISE EXCEPTION 'RISK_VELOCITY_LIMIT'; END IF;
  v_spent := p_amount + CASE WHEN v_resident.spend_day = v_day THEN v_resident.spend_day_minor ELSE 0 END;
  IF v_spent > p_daily_limit THEN RAISE EXCEPTION 'RISK_DAILY_LIMIT'; END IF;
  INSERT INTO credential_spend (credential_id, day, spent_minor) VALUES (p_credential_id, v_day, p_amount)
  ON CONFLICT (credential_id, day) DO UPDATE SET spent_minor = credential_spend.spent_minor + EXCLUDED.spent_minor
  RETURNING spent_minor INTO v_credential_spent;
  IF v_credential_spent > p_credential_daily_limit THEN RAISE EXCEPTION 'RISK_CREDENTIAL_CAP'; END IF;

  UPDATE accounts SET held_minor = held_minor + p_amount, velocity_window_start = v_window, velocity_count = v_count,
                      spend_day = v_day, spend_day_minor = v_spent
  WHERE id = v_resident.id;
  INSERT INTO holds (id, service, resident_id, resident_account_id, merchant_account_id, credential_id, mandate_nonce,
                     currency, amount_minor, status, reference, created_at, expires_at)
  VALUES (p_hold_id, p_service, p_resident_id, v_resident.id, v_merchant_id, p_credential_id, p_mandate_nonce,
          p_currency, p_amount, 'pending', p_reference, p_now, p_expires_at)
  RETURNING * INTO v_hold;  -- a reused mandate violates holds_mandate_nonce_key: the caller reports it
  RETURN v_hold;
END $$;

-- A hold of another service reads as not found: services cannot probe each other's holds.
CREATE FUNCTION wallet_lock_hold(p_hold_id uuid, p_service text) RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds;
BEGIN
  SELECT * INTO v_hold FROM holds WHERE id = p_hold_id FOR UPDATE;
  IF NOT FOUND OR v_hold.service <> p_service THEN RAISE EXCEPTION 'HOLD_NOT_FOUND'; END IF;
  RETURN v_hold;
END $$;

CREATE FUNCTION wallet_capture(p_hold_id uuid, p_service text, p_amount bigint, p_transfer_id uuid, p_now timestamptz)
RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds := wallet_lock_hold(p_hold_id, p_service);
  v_resident_after bigint;
  v_merchant_after bigint;
BEGIN
  IF v_hold.status <> 'pending' THEN RAISE EXCEPTION 'HOLD_NOT_PENDING'; END IF;
  IF v_hold.expires_at <= p_now THEN RAISE EXCEPTION 'HOLD_EXPIRED'; END IF;
  IF p_amount > v_hold.amount_minor THEN RAISE EXCEPTION 'CAPTURE_EXCEEDS_HOLD'; END IF;
  UPDATE accounts SET held_minor = held_minor - v_hold.amount_minor, balance_minor = balance_minor - p_amount
  WHERE id = v_hold.resident_account_id RETURNING balance_minor INTO v_resident_after;
  UPDATE accounts SET balance_minor = balance_minor + p_amount
  WHERE id = v_hold.merchant_account_id RETURNING balance_minor INTO v_merchant_after;
  INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, currency, amount_minor, hold_id,
                         debit_balance_after_minor, credit_balance_after_minor, reference, created_at)
  VALUES (p_transfer_id, 'capture', v_hold.resident_account_id, v_hold.merchant_account_id, v_hold.currency, p_amount,
          v_hold.id, v_resident_after, v_merchant_after, v_hold.reference, p_now);
  UPDATE holds SET status = 'captured', captured_minor = p_amount, closed_at = p_now WHERE id = v_hold.id
  RETURNING * INTO v_hold;
  RETURN v_hold;
END $$;

CREATE FUNCTION wallet_release(p_hold holds, p_status text, p_now timestamptz) RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds;
BEGIN
  UPDATE accounts SET held_minor = held_minor - p_hold.amount_minor WHERE id = p_hold.resident_account_id;
  UPDATE holds SET status = p_status, closed_at = p_now WHERE id = p_hold.id RETURNING * INTO v_hold;
  RETURN v_hold;
END $$;

CREATE FUNCTION wallet_void(p_hold_id uuid, p_service text, p_now timestamptz) RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds := wallet_lock_hold(p_hold_id, p_service);
BEGIN
  IF v_hold.status <> 'pending' THEN RAISE EXCEPTION 'HOLD_NOT_PENDING'; END IF;
  RETURN wallet_release(v_hold, 'voided', p_now);
END $$;

CREATE FUNCTION wallet_refund(p_hold_id uuid, p_service text, p_amount bigint, p_transfer_id uuid, p_reason text, p_now timestamptz)
RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds := wallet_lock_hold(p_hold_id, p_service);
  v_resident_after bigint;
  v_merchant_after bigint;
BEGIN
  IF v_hold.status <> 'captured' THEN RAISE EXCEPTION 'HOLD_NOT_CAPTURED'; END IF;
  IF v_hold.refunded_minor + p_amount > v_hold.captured_minor THEN RAISE EXCEPTION 'REFUND_EXCEEDS_CAPTURED'; END IF;
  UPDATE accounts SET balance_minor = balance_minor + p_amount
  WHERE id = v_hold.resident_account_id RETURNING balance_minor INTO v_resident_after;
  UPDATE accounts SET balance_minor = balance_minor - p_amount
  WHERE id = v_hold.merchant_account_id RETURNING balance_minor INTO v_merchant_after;
  INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, currency, amount_minor, hold_id,
                         debit_balance_after_minor, credit_balance_after_minor, reference, created_at)
  VALUES (p_transfer_id, 'refund', v_hold.merchant_account_id, v_hold.resident_account_id, v_hold.currency, p_amount,
          v_hold.id, v_merchant_after, v_resident_after, p_reason, p_now);
  UPDATE holds SET refunded_minor = refunded_minor + p_amount WHERE id = v_hold.id RETURNING * INTO v_hold;
  RETURN v_hold;
END $$;

-- Releases pending holds past their expiry, oldest first; concurrent sweepers skip each other's rows.
CREATE FUNCTION wallet_expire_holds(p_now timestamptz, p_limit integer) RETURNS SETOF holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds;
BEGIN
  FOR v_hold IN
    SELECT * FROM holds WHERE status = 'pending' AND expires_at <= p_now ORDER BY expires_at LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  LOOP
    RETURN NEXT wallet_release(v_hold, 'expired', p_now);
  END LOOP;
END $$;
