-- The accounts a new charge moves money between, looked up as wallet_authorize and wallet_charge both need them: the
-- resident's, locked (the first lock either takes), with p_amount_minor available; the merchant paid (the payee, or
-- else the service) and the payer of a split charge, only read here. With p_lock_merchant (wallet_charge, which
-- posts to the merchant at once) the merchant's row is locked as it is found, as the UPDATE that credits it would
-- lock it (FOR NO KEY UPDATE), and its balance returned: one statement for the merchant instead of a lookup and then
-- a lock (each statement starts an executor: bench/pg_cost.ts, docs/capacity.md). Lock order: resident, merchant.
DROP FUNCTION IF EXISTS wallet_charge_accounts(uuid, text, text, text, char(3), bigint);
CREATE OR REPLACE FUNCTION wallet_charge_accounts(
  p_resident_id uuid, p_service text, p_payee text, p_payer text, p_currency char(3), p_amount_minor bigint,
  p_lock_merchant boolean,
  OUT resident accounts, OUT merchant_id uuid, OUT merchant_balance_minor bigint, OUT payer_id uuid
) LANGUAGE plpgsql AS $$
BEGIN
  SELECT * INTO resident FROM accounts
  WHERE kind = 'resident' AND owner = p_resident_id::text AND currency = p_currency FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'INSUFFICIENT_FUNDS'; END IF;
  IF p_lock_merchant THEN
    SELECT id, balance_minor INTO merchant_id, merchant_balance_minor FROM accounts
    WHERE kind = 'merchant' AND owner = coalesce(p_payee, p_service) AND currency = p_currency FOR NO KEY UPDATE;
  ELSE
    SELECT id INTO merchant_id FROM accounts
    WHERE kind = 'merchant' AND owner = coalesce(p_payee, p_service) AND currency = p_currency;
  END IF;
  IF NOT FOUND THEN RAISE EXCEPTION 'MERCHANT_ACCOUNT_NOT_FOUND'; END IF;
  IF p_payer IS NOT NULL THEN
    SELECT id INTO payer_id FROM accounts WHERE kind = 'payer' AND owner = p_payer AND currency = p_currency;
    IF NOT FOUND THEN RAISE EXCEPTION 'PAYER_ACCOUNT_NOT_FOUND'; END IF;
  END IF;
  IF resident.balance_minor - resident.held_minor < p_amount_minor THEN RAISE EXCEPTION 'INSUFFICIENT_FUNDS'; END IF;
END $$;
