-- Less work for the database in every charge's writes (issue 12, bench/pg_cost.ts, docs/capacity.md).
--
-- No index of transfers by hold: no query looks transfers up by their hold (statements join a transfer to its hold
-- by the hold's key; the reconciliation reads every transfer), and holds are never deleted nor their ids changed, so
-- the foreign key from transfers needs none. It cost an index entry per capture and refund.
DROP INDEX transfers_by_hold;

-- The checks of one column as domains. PostgreSQL parses and plans every CHECK constraint of a table again for each
-- statement that writes a row of it (a hold's 17 checks were ~15,000 characters of node text to read per charge);
-- a domain's checks are read once per connection, and are checked only where a statement assigns the column (an
-- UPDATE of a balance no longer checks an account's kind and owner). Same rules, same SQLSTATE (23514) when broken.
-- A column's type changed to a domain with checks rewrites its table (and rebuilds its indexes) under an exclusive
-- lock, once: on a large ledger, run this migration in a quiet hour.
CREATE DOMAIN account_kind AS text
  CHECK (VALUE IN ('resident', 'merchant', 'float', 'clearing', 'fees', 'insurer_receivable', 'payer'));
-- An account's owner (a resident's id, a service's name), and a hold's payee and payer.
CREATE DOMAIN ledger_name AS text CHECK (length(VALUE) BETWEEN 1 AND 64);
CREATE DOMAIN ledger_reference AS text CHECK (length(VALUE) <= 128);
CREATE DOMAIN hold_status AS text CHECK (VALUE IN ('pending', 'captured', 'voided', 'expired'));
CREATE DOMAIN transfer_kind AS text CHECK (VALUE IN ('top_up', 'capture', 'refund'));

ALTER TABLE accounts
  DROP CONSTRAINT accounts_kind_check, ALTER COLUMN kind TYPE account_kind,
  DROP CONSTRAINT accounts_owner_check, ALTER COLUMN owner TYPE ledger_name;
ALTER TABLE holds
  DROP CONSTRAINT holds_status_check, ALTER COLUMN status TYPE hold_status,
  DROP CONSTRAINT holds_reference_check, ALTER COLUMN reference TYPE ledger_reference,
  DROP CONSTRAINT holds_payee_check, ALTER COLUMN payee TYPE ledger_name,
  DROP CONSTRAINT holds_payer_check, ALTER COLUMN payer TYPE ledger_name,
  -- Two checks others imply: a leg's amount is at least what it captured, which is at least 0
  -- (holds_check, holds_payer_captured_within_leg).
  DROP CONSTRAINT holds_amount_not_negative, DROP CONSTRAINT holds_payer_amount_not_negative;
ALTER TABLE transfers
  DROP CONSTRAINT transfers_kind_check, ALTER COLUMN kind TYPE transfer_kind,
  DROP CONSTRAINT transfers_reference_check, ALTER COLUMN reference TYPE ledger_reference;
