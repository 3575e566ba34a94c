-- Captures a pending hold, all or part of each leg: posts the resident's captured amount from the resident to the
-- merchant (the payee) and, for a split hold, the payer's captured amount from the payer to the merchant, each as
-- its own transfer with the hold's id, and releases the rest of each leg (the resident's given back to the daily
-- limits). Both legs in this one transaction, one status for the hold. Lock order: hold, resident account,
-- merchant account, payer account (last: the hottest row, locked just before the commit).
--
-- Only for wallet_capture_many, which adds the merchant's credits to its balance once per batch, after its loop, as
-- wallet_charge_many does (charge.sql; an UPDATE per item made a row version per item: bench/pg_cost.ts,
-- docs/capacity.md). Here the merchant's row is locked where its UPDATE locked it, so the lock order is the same,
-- and the transfers record its balance as it is after each of them: the locked balance, plus the batch's earlier
-- credits to it not added yet (p_unposted_accounts and p_unposted_minor, position by position), plus this
-- capture's resident leg, then its payer leg. Called alone it would leave the merchant uncredited and the transfers
-- unwritten: a capture outside a batch is wallet_capture_once, a batch of one.
--
-- The transfers are returned, not inserted (`posted`): wallet_capture_many inserts the transfers of all its written
-- items with one INSERT after its loop (insert_transfers.sql), as wallet_charge_many does (charge.sql says why, and
-- why nothing in them can be refused when their item was not).
DROP FUNCTION IF EXISTS wallet_capture(uuid, text, bigint, uuid, timestamptz);
DROP FUNCTION IF EXISTS wallet_capture(uuid, text, bigint, uuid, timestamptz, bigint, uuid);
-- It returned its hold before, and CREATE OR REPLACE cannot change what a function returns.
DROP FUNCTION IF EXISTS wallet_capture(uuid, text, bigint, uuid, timestamptz, bigint, uuid, uuid[], bigint[]);
CREATE OR REPLACE FUNCTION wallet_capture(
  p_hold_id uuid, p_service text, p_amount_minor bigint, p_transfer_id uuid, p_now timestamptz,
  p_payer_amount_minor bigint, p_payer_transfer_id uuid, p_unposted_accounts uuid[], p_unposted_minor bigint[],
  OUT merchant_account_id uuid, OUT posted transfers[]
) LANGUAGE plpgsql AS $$
DECLARE
  v_hold holds := wallet_lock_hold(p_hold_id, p_service);
  v_resident_after bigint;
  v_merchant_after bigint;
  v_merchant_after_payer bigint;
  v_payer_after bigint;
BEGIN
  ASSERT p_amount_minor >= 0 AND p_payer_amount_minor >= 0 AND p_amount_minor + p_payer_amount_minor > 0
     AND (p_payer_amount_minor = 0 OR p_payer_transfer_id IS NOT NULL), 'a capture posts something';
  IF v_hold.status <> 'pending' THEN RAISE EXCEPTION 'HOLD_NOT_PENDING'; END IF;
  IF v_hold.expires_at <= p_now THEN RAISE EXCEPTION 'HOLD_EXPIRED'; END IF;
  IF p_amount_minor > v_hold.amount_minor OR p_payer_amount_minor > v_hold.payer_amount_minor THEN
    RAISE EXCEPTION 'CAPTURE_EXCEEDS_HOLD';
  END IF;
  UPDATE accounts SET held_minor = held_minor - v_hold.amount_minor, balance_minor = balance_minor - p_amount_minor
  WHERE id = v_hold.resident_account_id RETURNING balance_minor INTO v_resident_after;
  PERFORM wallet_give_back(v_hold, v_hold.amount_minor - p_amount_minor);
  SELECT balance_minor + coalesce(p_unposted_minor[array_position(p_unposted_accounts, v_hold.merchant_account_id)], 0)
                       + p_amount_minor
  INTO v_merchant_after FROM accounts WHERE id = v_hold.merchant_account_id FOR NO KEY UPDATE;
  v_merchant_after_payer := v_merchant_after + p_payer_amount_minor;
  merchant_account_id := v_hold.merchant_account_id;
  posted := '{}';
  -- Each row as transfers' columns are, in their order (charge.sql).
  IF p_amount_minor > 0 THEN
    posted := posted || ROW(p_transfer_id, 'capture', v_hold.resident_account_id, v_hold.merchant_account_id,
                            v_hold.currency, p_amount_minor, v_hold.id, v_resident_after, v_merchant_after,
                            v_hold.reference, p_now)::transfers;
  END IF;
  UPDATE holds SET status = 'captured', captured_minor = p_amount_minor, payer_captured_minor = p_payer_amount_minor,
                   closed_at = p_now
  WHERE id = v_hold.id;
  IF v_hold.payer_account_id IS NOT NULL THEN
    UPDATE accounts SET held_minor = held_minor - v_hold.payer_amount_minor, balance_minor = balance_minor - p_payer_amount_minor
    WHERE id = v_hold.payer_account_id RETURNING balance_minor INTO v_payer_after;
  END IF;
  IF p_payer_amount_minor > 0 THEN
    posted := posted || ROW(p_payer_transfer_id, 'capture', v_hold.payer_account_id, v_hold.merchant_account_id,
                            v_hold.currency, p_payer_amount_minor, v_hold.id, v_payer_after, v_merchant_after_payer,
                            v_hold.reference, p_now)::transfers;
  END IF;
END $$;
