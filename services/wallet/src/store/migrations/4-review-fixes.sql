-- replaces-checksum: c2aa9474543c3a26e4cd05b857d7840225e0f7346d69d28e0b5a5908e142d76b
-- Fixes from a review of the ledger. (The functions this migration once replaced, wallet_release, wallet_capture
-- and wallet_expire_holds, and the wallet_give_back it added now live in store/ledger/.)

-- A top-up is identified by its funding reference (prefixed with the funding service by the application): a
-- bank integration that retries with a fresh idempotency key cannot credit the same payment twice.
CREATE UNIQUE INDEX transfers_one_top_up_per_reference ON transfers (reference) WHERE kind = 'top_up';

-- Risk counters count what is spent: amounts a hold releases are given back to the daily counters
-- (store/ledger/give_back.sql), so a credential's daily spend may come back down to zero.
ALTER TABLE credential_spend DROP CONSTRAINT credential_spend_spent_minor_check;
ALTER TABLE credential_spend ADD CONSTRAINT credential_spend_not_negative CHECK (spent_minor >= 0);
