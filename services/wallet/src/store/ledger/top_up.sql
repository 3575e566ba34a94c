-- Money enters a resident's account from the city's float (opening the account on the first top-up). Lock order:
-- float, then resident. A second top-up with the same reference violates transfers_one_top_up_per_reference.
DROP FUNCTION IF EXISTS wallet_top_up(uuid, uuid, char(3), bigint, text, timestamptz, uuid);
CREATE OR REPLACE FUNCTION wallet_top_up(
  p_transfer_id uuid, p_resident_id uuid, p_currency char(3), p_amount_minor bigint, p_reference text, p_now timestamptz,
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
  UPDATE accounts SET balance_minor = balance_minor + p_amount_minor
  WHERE kind = 'resident' AND owner = p_resident_id::text AND currency = p_currency RETURNING * INTO v_resident;
  UPDATE accounts SET balance_minor = balance_minor - p_amount_minor WHERE id = v_float.id RETURNING * INTO v_float;
  INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, currency, amount_minor,
                         debit_balance_after_minor, credit_balance_after_minor, reference, created_at)
  VALUES (p_transfer_id, 'top_up', v_float.id, v_resident.id, p_currency, p_amount_minor,
          v_float.balance_minor, v_resident.balance_minor, p_reference, p_now)
  RETURNING * INTO v_transfer;
  RETURN v_transfer;
END $$;
