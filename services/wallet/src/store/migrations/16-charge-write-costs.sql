-- Less work for the database in every charge's writes (issue 12, bench/pg_cost.ts):
-- - No index of transfers by hold: no query looks transfers up by their hold (statements join a transfer to its
--   hold by the hold's key; the reconciliation reads every transfer), and holds are never deleted nor their ids
--   changed, so the foreign key from transfers needs none. It cost an index entry per capture and refund.
-- - Two checks of holds that others imply: a leg's amount is at least what it captured, which is at least 0
--   (holds_captured_minor_check, holds_payer_captured_within_leg). PostgreSQL parses and plans every CHECK of a
--   table again for each statement that writes a row of it: each costs every authorization, charge and capture.
DROP INDEX transfers_by_hold;
ALTER TABLE holds DROP CONSTRAINT holds_amount_not_negative, DROP CONSTRAINT holds_payer_amount_not_negative;
