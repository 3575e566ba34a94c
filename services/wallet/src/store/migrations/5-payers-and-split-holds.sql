-- Payers and split holds, for health billing. A payer account (kind 'payer', owner: the insurer's service name, one
-- per currency) is funded like a resident's and reserves like one, and its funds never go below zero either. A hold
-- may name a payee (the merchant paid, when it is not the service that made the hold: a clinic, for health billing)
-- and carry a payer's leg beside the resident's, in the same currency. Each leg captures at most what it reserved and
-- refunds at most what it captured; the hold has one status for both.

ALTER TABLE accounts DROP CONSTRAINT accounts_kind_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_kind_check
  CHECK (kind IN ('resident', 'merchant', 'float', 'clearing', 'fees', 'insurer_receivable', 'payer'));
ALTER TABLE accounts ADD CONSTRAINT payer_funds_never_negative CHECK (kind <> 'payer' OR balance_minor - held_minor >= 0);
ALTER TABLE accounts DROP CONSTRAINT only_residents_have_holds;
ALTER TABLE accounts ADD CONSTRAINT only_residents_and_payers_have_holds
  CHECK (kind IN ('resident', 'payer') OR held_minor = 0);

-- The resident's leg may be 0 when the payer's is not (a fully covered visit); the hold as a whole is above 0.
ALTER TABLE holds DROP CONSTRAINT holds_amount_minor_check;
ALTER TABLE holds
  -- NULL: the service itself is paid.
  ADD COLUMN payee text CHECK (length(payee) BETWEEN 1 AND 64),
  -- NULL with payer_account_id and a payer_amount_minor of 0: the hold is not split.
  ADD COLUMN payer text CHECK (length(payer) BETWEEN 1 AND 64),
  ADD COLUMN payer_account_id uuid,
  ADD COLUMN payer_amount_minor bigint NOT NULL DEFAULT 0,
  ADD COLUMN payer_captured_minor bigint NOT NULL DEFAULT 0,
  ADD COLUMN payer_refunded_minor bigint NOT NULL DEFAULT 0,
  ADD CONSTRAINT holds_amount_not_negative CHECK (amount_minor >= 0),
  ADD CONSTRAINT holds_amount_above_zero CHECK (amount_minor + payer_amount_minor > 0),
  ADD CONSTRAINT holds_payer_amount_not_negative CHECK (payer_amount_minor >= 0),
  ADD CONSTRAINT holds_payer_captured_within_leg CHECK (payer_captured_minor BETWEEN 0 AND payer_amount_minor),
  ADD CONSTRAINT holds_payer_refunded_within_captured CHECK (payer_refunded_minor BETWEEN 0 AND payer_captured_minor),
  ADD CONSTRAINT holds_payer_captured_only_when_captured CHECK (status = 'captured' OR payer_captured_minor = 0),
  ADD CONSTRAINT holds_payer_leg_whole
    CHECK ((payer IS NULL) = (payer_account_id IS NULL) AND (payer IS NULL) = (payer_amount_minor = 0)),
  ADD CONSTRAINT holds_payee_not_service CHECK (payee <> service),
  ADD CONSTRAINT holds_payer_account_fkey FOREIGN KEY (payer_account_id, currency) REFERENCES accounts (id, currency);
