-- Charges a resident in one go, for a caller that knows the final amount: wallet_authorize's lookups, funds check
-- and risk checks (wallet_spend), then each leg posted whole as wallet_capture posts it, with nothing reserved in
-- between. The hold is recorded captured from the start (closed and expiring as it is made, migration 7), so
-- statements, settlement reports, refunds and the reconciliation read it as any captured hold. Lock order as in
-- every ledger function: resident account, merchant account, payer account (last: the hottest row, locked just
-- before the commit).
--
-- Only for wallet_charge_many, which adds the merchant's credits to its balance once per batch, after its loop
-- (an UPDATE per item made a row version per item, and with the foreign keys' locks of the item before a MultiXact
-- per item: bench/pg_cost.ts, docs/capacity.md). Here the merchant's row is locked as wallet_charge_accounts finds
-- it, right after the resident's, so the lock order is the same, and the transfers record its balance as it is
-- after each of them: the locked balance, plus the batch's earlier credits to it not added yet (p_unposted_accounts
-- and p_unposted_minor, position by position), plus this charge's. The merchant's row is locked before the hold and
-- the transfers are inserted: their foreign key checks find it locked by this transaction and take no lock of their
-- own.
--
-- The transfers are returned, not inserted (`posted`): wallet_charge_many inserts the transfers of all its written
-- items with one INSERT after its loop (insert_transfers.sql), as it does their events. Each INSERT of one row cost
-- an executor's start for it, and with it every CHECK constraint of the table parsed and planned again
-- (bench/pg_cost.ts, docs/capacity.md). Nothing in a transfer can be refused when its item was not: its id is new,
-- its accounts and hold were just locked or written, its amount is above zero, its reference passed the hold's check.
DROP FUNCTION IF EXISTS wallet_charge(
  uuid, text, uuid, text, text, char(3), bigint, text, timestamptz, integer, bigint, bigint, uuid, text, text, bigint,
  uuid
);
-- It returned its hold before, and CREATE OR REPLACE cannot change what a function returns.
DROP FUNCTION IF EXISTS wallet_charge(
  uuid, text, uuid, text, text, char(3), bigint, text, timestamptz, integer, bigint, bigint, uuid, text, text, bigint,
  uuid, uuid[], bigint[]
);
CREATE OR REPLACE FUNCTION wallet_charge(
  p_hold_id uuid, p_service text, p_resident_id uuid, p_credential_id text, p_mandate_nonce text,
  p_currency char(3), p_amount_minor bigint, p_reference text, p_now timestamptz,
  p_velocity_per_minute integer, p_daily_limit bigint, p_credential_daily_limit bigint,
  p_transfer_id uuid, p_payee text, p_payer text, p_payer_amount_minor bigint, p_payer_transfer_id uuid,
  p_unposted_accounts uuid[], p_unposted_minor bigint[],
  OUT merchant_account_id uuid, OUT posted transfers[]
) LANGUAGE plpgsql AS $$
DECLARE
  v_accounts record;
  v_resident accounts;
  v_merchant_id uuid;
  v_payer_id uuid;
  v_spend record;
  v_resident_after bigint;
  v_merchant_after bigint;
  v_merchant_after_payer bigint;
  v_payer_after bigint;
BEGIN
  ASSERT p_amount_minor >= 0 AND p_payer_amount_minor >= 0 AND p_amount_minor + p_payer_amount_minor > 0
     AND (p_payer IS NULL) = (p_payer_amount_minor = 0) AND (p_payer IS NULL OR p_payer_transfer_id IS NOT NULL),
     'a charge posts something, a payer leg only with a payer';
  v_accounts := wallet_charge_accounts(p_resident_id, p_service, p_payee, p_payer, p_currency, p_amount_minor,
                                       true);
  v_resident := v_accounts.resident;
  v_merchant_id := v_accounts.merchant_id;
  v_payer_id := v_accounts.payer_id;
  v_spend := wallet_spend(v_resident, p_credential_id, p_amount_minor, p_now,
                          p_velocity_per_minute, p_daily_limit, p_credential_daily_limit);
  v_merchant_after := v_accounts.merchant_balance_minor
                      + coalesce(p_unposted_minor[array_position(p_unposted_accounts, v_merchant_id)], 0)
                      + p_amount_minor;
  v_merchant_after_payer := v_merchant_after + p_payer_amount_minor;
  UPDATE accounts SET balance_minor = balance_minor - p_amount_minor,
                      velocity_window_start = v_spend.velocity_window_start, velocity_count = v_spend.velocity_count,
                      spend_day = v_spend.spend_day, spend_day_minor = v_spend.spend_day_minor
  WHERE id = v_resident.id RETURNING balance_minor INTO v_resident_after;
  INSERT INTO holds (id, service, resident_id, resident_account_id, merchant_account_id, credential_id, mandate_nonce,
                     currency, amount_minor, captured_minor, status, reference, created_at, expires_at, closed_at,
                     payee, payer, payer_account_id, payer_amount_minor, payer_captured_minor)
  VALUES (p_hold_id, p_service, p_resident_id, v_resident.id, v_merchant_id, p_credential_id, p_mandate_nonce,
          p_currency, p_amount_minor, p_amount_minor, 'captured', p_reference, p_now, p_now, p_now,
          p_payee, p_payer, v_payer_id, p_payer_amount_minor, p_payer_amount_minor);
  -- (A reused mandate violates holds_mandate_nonce_key above: the caller reports it.)
  merchant_account_id := v_merchant_id;
  posted := '{}';
  -- Each row as transfers' columns are, in their order: id, kind, debit, credit, currency, amount, hold, the
  -- debit's and the credit's balance after, reference, created at.
  IF p_amount_minor > 0 THEN
    posted := posted || ROW(p_transfer_id, 'capture', v_resident.id, v_merchant_id, p_currency, p_amount_minor,
                            p_hold_id, v_resident_after, v_merchant_after, p_reference, p_now)::transfers;
  END IF;
  IF v_payer_id IS NOT NULL THEN
    -- One statement checks and posts; payer_funds_never_negative holds it in the database as well.
    UPDATE accounts SET balance_minor = balance_minor - p_payer_amount_minor
    WHERE id = v_payer_id AND balance_minor - held_minor >= p_payer_amount_minor
    RETURNING balance_minor INTO v_payer_after;
    IF NOT FOUND THEN RAISE EXCEPTION 'PAYER_INSUFFICIENT_FUNDS'; END IF;
    posted := posted || ROW(p_payer_transfer_id, 'capture', v_payer_id, v_merchant_id, p_currency,
                            p_payer_amount_minor, p_hold_id, v_payer_after, v_merchant_after_payer, p_reference,
                            p_now)::transfers;
  END IF;
END $$;
