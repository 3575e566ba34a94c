-- Opens an account, or finds the one that exists: (kind, owner, currency) is unique. `opened` says which.
CREATE OR REPLACE FUNCTION wallet_open_account(p_id uuid, p_kind text, p_owner text, p_currency char(3))
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
