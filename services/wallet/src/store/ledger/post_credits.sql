-- Adds a batch's running credit (owe_credit.sql) to its merchants' balances, after the batch's loop: one UPDATE by
-- primary key per account (a batch's items mostly pay one; a join with the arrays could scan). Each row is locked by
-- this transaction already, by the item that first credited it: no wait, no new lock order.
CREATE OR REPLACE FUNCTION wallet_post_credits(p_accounts uuid[], p_minor bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  FOR k IN 1 .. coalesce(array_length(p_accounts, 1), 0) LOOP
    UPDATE accounts SET balance_minor = balance_minor + p_minor[k] WHERE id = p_accounts[k];
  END LOOP;
END $$;
