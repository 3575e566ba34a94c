-- The clinic line checks at finalize (issue 13): the catalogue's maximum quantity of a code per visit (0: none beyond
-- a line's 1-100), and the index that finds a patient's other bills at a clinic for the same-day duplicate check.
-- Depends only on 1-*.sql.
ALTER TABLE codes ADD COLUMN max_quantity integer NOT NULL DEFAULT 0 CHECK (max_quantity BETWEEN 0 AND 100);
CREATE INDEX bills_by_patient_clinic ON bills (patient_id, clinic) WHERE finalized_at IS NOT NULL;
