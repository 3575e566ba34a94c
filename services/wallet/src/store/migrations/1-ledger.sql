-- The ledger. Every movement of money is a transfer from one account to another in one currency, so per
-- currency the balances of all accounts sum to zero (the city's float goes negative as it issues money).
-- Invariants are constraints: a resident's posted balance minus what pending holds reserve never goes below
-- zero, holds never capture more than they reserved nor refund more than they captured, transfers are
-- immutable and never cross currencies.

CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('resident', 'merchant', 'float', 'clearing', 'fees', 'insurer_receivable')),
  owner text NOT NULL CHECK (length(owner) BETWEEN 1 AND 64),
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  balance_minor bigint NOT NULL DEFAULT 0,
  held_minor bigint NOT NULL DEFAULT 0 CHECK (held_minor >= 0),
  -- Risk counters live on the row an authorization locks anyway: no extra query on the hot path.
  velocity_window_start timestamptz NOT NULL DEFAULT 'epoch',
  velocity_count integer NOT NULL DEFAULT 0,
  spend_day date NOT NULL DEFAULT 'epoch',
  spend_day_minor bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, owner, currency),
  UNIQUE (id, currency),
  CONSTRAINT resident_funds_never_negative CHECK (kind <> 'resident' OR balance_minor - held_minor >= 0),
  CONSTRAINT only_residents_have_holds CHECK (kind = 'resident' OR held_minor = 0)
);

CREATE TABLE holds (
  id uuid PRIMARY KEY,
  service text NOT NULL,
  resident_id uuid NOT NULL,
  resident_account_id uuid NOT NULL,
  merchant_account_id uuid NOT NULL,
  credential_id text NOT NULL,
  -- The mandate (presentation) nonce: one presentation authorizes one hold, across every wallet instance.
  mandate_nonce text NOT NULL UNIQUE,
  currency char(3) NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  captured_minor bigint NOT NULL DEFAULT 0 CHECK (captured_minor BETWEEN 0 AND amount_minor),
  refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor BETWEEN 0 AND captured_minor),
  status text NOT NULL CHECK (status IN ('pending', 'captured', 'voided', 'expired')),
  reference text NOT NULL DEFAULT '' CHECK (length(reference) <= 128),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL CHECK (expires_at > created_at),
  closed_at timestamptz,
  CHECK ((status = 'pending') = (closed_at IS NULL)),
  CHECK (status = 'captured' OR captured_minor = 0),
  FOREIGN KEY (resident_account_id, currency) REFERENCES accounts (id, currency),
  FOREIGN KEY (merchant_account_id, currency) REFERENCES accounts (id, currency)
);
CREATE INDEX holds_pending_by_expiry ON holds (expires_at) WHERE status = 'pending';
CREATE INDEX holds_by_service ON holds (service, created_at DESC, id);

CREATE TABLE transfers (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('top_up', 'capture', 'refund')),
  debit_account_id uuid NOT NULL,
  credit_account_id uuid NOT NULL,
  currency char(3) NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  hold_id uuid REFERENCES holds (id),
  debit_balance_after_minor bigint NOT NULL,
  credit_balance_after_minor bigint NOT NULL,
  reference text NOT NULL DEFAULT '' CHECK (length(reference) <= 128),
  created_at timestamptz NOT NULL,
  CHECK (debit_account_id <> credit_account_id),
  CHECK ((kind = 'top_up') = (hold_id IS NULL)),
  FOREIGN KEY (debit_account_id, currency) REFERENCES accounts (id, currency),
  FOREIGN KEY (credit_account_id, currency) REFERENCES accounts (id, currency)
);
CREATE INDEX transfers_by_debit ON transfers (debit_account_id, created_at DESC, id);
CREATE INDEX transfers_by_credit ON transfers (credit_account_id, created_at DESC, id);
CREATE INDEX transfers_by_hold ON transfers (hold_id) WHERE hold_id IS NOT NULL;

CREATE FUNCTION transfers_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'transfers are immutable';
END $$;
CREATE TRIGGER transfers_immutable BEFORE UPDATE OR DELETE OR TRUNCATE ON transfers
  FOR EACH STATEMENT EXECUTE FUNCTION transfers_are_immutable();

-- Per-credential spending, for the per-credential daily cap.
CREATE TABLE credential_spend (
  credential_id text NOT NULL,
  day date NOT NULL,
  spent_minor bigint NOT NULL CHECK (spent_minor > 0),
  PRIMARY KEY (credential_id, day)
);
