-- A batch's running credit to its merchants (wallet_charge_many, wallet_capture_many): the accounts its written items
-- credit and what each is owed, position by position, not yet added to its balance (post_credits.sql does that once
-- per account, after the batch's loop). This adds p_amount_minor owed to p_account. Called last in an item's block,
-- after everything that can refuse the item: a refused item's block is rolled back, but not these variables.
CREATE OR REPLACE FUNCTION wallet_owe_credit(
  INOUT p_accounts uuid[], INOUT p_minor bigint[], p_account uuid, p_amount_minor bigint
) LANGUAGE plpgsql AS $$
DECLARE
  v_at integer := array_position(p_accounts, p_account);
BEGIN
  IF v_at IS NULL THEN
    p_accounts := p_accounts || p_account;
    p_minor := p_minor || p_amount_minor;
  ELSE
    p_minor[v_at] := p_minor[v_at] + p_amount_minor;
  END IF;
END $$;
