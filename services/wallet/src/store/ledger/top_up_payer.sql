-- Money enters a payer's account (an insurer's) from the city's float. Unlike a resident's, a payer's account is
-- never opened here: it exists once identity onboarded the insurer. Lock order: float, then payer. A second top-up
-- with the same reference violates transfers_one_top_up_per_reference.
CREATE OR REPLACE FUNCTION wallet_top_up_payer(
  p_transfer_id uuid, p_payer text, p_currency char(3), p_amount_minor bigint, p_reference text, p_now timestamptz
) RETURNS transfers LANGUAGE plpgsql AS $$
DECLARE
  v_float accounts;
  v_payer accounts;
  v_transfer transfers;
BEGIN
  SELECT * INTO v_float FROM accounts WHERE kind = 'float' AND owner = 'city' AND currency = p_currency FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'CURRENCY_UNSUPPORTED'; END IF;
  UPDATE accounts SET balance_minor = balance_minor + p_amount_minor
  WHERE kind = 'payer' AND owner = p_payer AND currency = p_currency RETURNING * INTO v_payer;
  IF NOT FOUND THEN RAISE EXCEPTION 'PAYER_ACCOUNT_NOT_FOUND'; END IF;
  UPDATE accounts SET balance_minor = balance_minor - p_amount_minor WHERE id = v_float.id RETURNING * INTO v_float;
  INSERT INTO transfers (id, kind, debit_account_id, credit_account_id, currency, amount_minor,
                         debit_balance_after_minor, credit_balance_after_minor, reference, created_at)
  VALUES (p_transfer_id, 'top_up', v_float.id, v_payer.id, p_currency, p_amount_minor,
          v_float.balance_minor, v_payer.balance_minor, p_reference, p_now)
  RETURNING * INTO v_transfer;
  RETURN v_transfer;
END $$;
