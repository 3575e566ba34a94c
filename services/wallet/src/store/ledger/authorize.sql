-- Reserves funds on a resident's account as a pending hold, after the risk checks (wallet_spend: velocity per
-- minute, the resident's daily amount, the credential's daily spend), which count the resident's amount only. A
-- split hold (p_payer) also reserves the payer's share on the payer's account; p_payee names the merchant paid when
-- it is not p_service. Lock order (every ledger function): hold, resident account, merchant account, payer account. Here the
-- merchant and the payer are only read until the payer's reservation, the last statement: a payer's row is the
-- hottest (every split hold of every clinic), so it is locked for as short a time as the transaction allows.
DROP FUNCTION IF EXISTS wallet_authorize(uuid, text, uuid, text, text, char(3), bigint, text, timestamptz, timestamptz, integer, bigint, bigint);
DROP FUNCTION IF EXISTS wallet_authorize(
  uuid, text, uuid, text, text, char(3), bigint, text, timestamptz, timestamptz, integer, bigint, bigint, text, text, bigint
);
CREATE OR REPLACE FUNCTION wallet_authorize(
  p_hold_id uuid, p_service text, p_resident_id uuid, p_credential_id text, p_mandate_nonce text,
  p_currency char(3), p_amount_minor bigint, p_reference text, p_now timestamptz, p_expires_at timestamptz,
  p_velocity_per_minute integer, p_daily_limit bigint, p_credential_daily_limit bigint,
  -- Defaults: a hold the service itself is paid, not split (what callers before split holds meant).
  p_payee text DEFAULT NULL, p_payer text DEFAULT NULL, p_payer_amount_minor bigint DEFAULT 0
) RETURNS holds LANGUAGE plpgsql AS $$
DECLARE
  v_accounts record;
  v_resident accounts;
  v_merchant_id uuid;
  v_payer_id uuid;
  v_spend record;
  v_hold holds;
BEGIN
  ASSERT p_amount_minor >= 0 AND p_payer_amount_minor >= 0 AND p_amount_minor + p_payer_amount_minor > 0
     AND (p_payer IS NULL) = (p_payer_amount_minor = 0), 'a hold reserves something, a payer leg only with a payer';
  v_accounts := wallet_charge_accounts(p_resident_id, p_service, p_payee, p_payer, p_currency, p_amount_minor,
                                       false);
  v_resident := v_accounts.resident;
  v_merchant_id := v_accounts.merchant_id;
  v_payer_id := v_accounts.payer_id;
  v_spend := wallet_spend(v_resident, p_credential_id, p_amount_minor, p_now,
                          p_velocity_per_minute, p_daily_limit, p_credential_daily_limit);
  UPDATE accounts SET held_minor = held_minor + p_amount_minor, velocity_window_start = v_spend.velocity_window_start,
                      velocity_count = v_spend.velocity_count, spend_day = v_spend.spend_day,
                      spend_day_minor = v_spend.spend_day_minor
  WHERE id = v_resident.id;
  INSERT INTO holds (id, service, resident_id, resident_account_id, merchant_account_id, credential_id, mandate_nonce,
                     currency, amount_minor, status, reference, created_at, expires_at,
                     payee, payer, payer_account_id, payer_amount_minor)
  VALUES (p_hold_id, p_service, p_resident_id, v_resident.id, v_merchant_id, p_credential_id, p_mandate_nonce,
          p_currency, p_amount_minor, 'pending', p_reference, p_now, p_expires_at,
          p_payee, p_payer, v_payer_id, p_payer_amount_minor)
  RETURNING * INTO v_hold;  -- a reused mandate violates holds_mandate_nonce_key: the caller reports it
  IF v_payer_id IS NOT NULL THEN
    -- One statement checks and reserves; payer_funds_never_negative holds it in the database as well.
    UPDATE accounts SET held_minor = held_minor + p_payer_amount_minor
    WHERE id = v_payer_id AND balance_minor - held_minor >= p_payer_amount_minor;
    IF NOT FOUND THEN RAISE EXCEPTION 'PAYER_INSUFFICIENT_FUNDS'; END IF;
  END IF;
  RETURN v_hold;
END $$;
