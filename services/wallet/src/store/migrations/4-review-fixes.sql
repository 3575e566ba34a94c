-- Fixes from a review of the ledger.

-- A top-up is identified by its funding reference (prefixed with the funding service by the application): a
-- bank integration that retries with a fresh idempotency key cannot credit the same payment twice.
CREATE UNIQUE INDEX transfers_one_top_up_per_reference ON transfers (reference) WHERE kind = 'top_up';

-- Risk counters count what is spent: amounts a hold releases (void, expiry, the uncaptured part of a capture) are
-- given back to the resident's daily amount and the credential's daily spend of the day the hold was made.
ALTER TABLE credential_spend DROP CONSTRAINT credential_spend_spent_minor_check;
ALTER TABLE credential_spend ADD CONSTRAINT credential_spend_not_negative CHECK (spent_minor >= 0);

CREATE FUNCTION wallet_give_back(p_hold holds, p_amount bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_day date := (p_hold.created_at AT TIME ZONE 'UTC')::date;
BEGIN
  IF p_amount <= 0 THEN RETURN; END IF;
  UPDATE accounts SET spend_day_minor = greatest(spend_day_minor - p_amount, 0)
  WHERE id = p_hold.resident_account_id AND spend_day = v_day;
  UPDATE credential_spend SET spent_minor = greatest(spent_minor - p_amount, 0)
  WHERE credential_id = p_hold.credential_id AND day = v_day;
END $$;

CREATE OR REPLACE FUNCTION wallet_release(p_hold holds, p_status text, p_now timestamptz) RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds;
BEGIN
  UPDATE accounts SET held_minor = held_minor - p_hold.amount_minor WHERE id = p_hold.resident_account_id;
  PERFORM wallet_give_back(p_hold, p_hold.amount_minor);
  UPDATE holds SET status = p_status, closed_at = p_now WHERE id = p_hold.id RETURNING * INTO v_hold;
  RETURN v_hold;
END $$;

CREATE OR REPLACE FUNCTION wallet_capture(p_hold_id uuid, p_service text, p_amount bigint, p_transfer_id uuid, p_now timestamptz)
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
  PERFORM wallet_give_back(v_hold, v_hold.amount_minor - p_amount);
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

-- Sweeps lock the resident accounts of a batch in account order, so concurrent sweeps (several instances)
-- cannot deadlock each other; expiry is decided on the database's clock, not each instance's.
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
