-- Charges (authorize and capture in one call, store/ledger/charge.sql) record a hold that is captured from the start:
-- it was never pending, so it is closed and expires as it is made. Every other hold still expires after it is made.
-- The check being replaced was unnamed in migration 1: found by its definition rather than a generated name.
DO $$
DECLARE
  v_name name;
BEGIN
  SELECT conname INTO STRICT v_name FROM pg_constraint
  WHERE conrelid = 'holds'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) = 'CHECK ((expires_at > created_at))';
  EXECUTE format('ALTER TABLE holds DROP CONSTRAINT %I', v_name);
END $$;
ALTER TABLE holds ADD CONSTRAINT holds_expire_after_made
  CHECK (expires_at > created_at OR (status = 'captured' AND expires_at = created_at AND closed_at = created_at));
