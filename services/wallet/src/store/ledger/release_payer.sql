-- Releases what closed holds reserved on a payer's account (their payer legs): the last lock a release takes.
CREATE OR REPLACE FUNCTION wallet_release_payer(p_payer_account_id uuid, p_amount_minor bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_payer_account_id IS NULL OR p_amount_minor = 0 THEN RETURN; END IF;
  UPDATE accounts SET held_minor = held_minor - p_amount_minor WHERE id = p_payer_account_id AND kind = 'payer';
  ASSERT FOUND, 'a payer leg is held on a payer account';
END $$;
