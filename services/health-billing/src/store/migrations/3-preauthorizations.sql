-- Pre-authorizations: a clinic asks the plan's insurer, before the service, to approve codes for a patient it has a
-- bill with; the insurer approves (an amount, until a date) or denies. An approved one is consumed by one bill line
-- of the clinic that asked (consumed_by, UNIQUE: one line, one approval) and approved again when that bill is voided.
-- Codes and free text are sealed like every medical detail (context preauthorization:<id>:<field>): a finalize opens
-- the few approved ones of its clinic and patient inside its transaction to match them. Expiry is not stored as a
-- state change: an approved one whose expires_on is before today reads as expired (no sweeper needed).
CREATE TABLE preauthorizations (
  id uuid PRIMARY KEY,
  -- The page key of ListPreauthorizations (newest first).
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  patient_id text NOT NULL,
  clinic text NOT NULL,
  insurer text NOT NULL,
  -- The clinic's bill with the patient when it asked.
  requested_on_bill uuid NOT NULL REFERENCES bills (id),
  codes_sealed bytea NOT NULL,
  reason_sealed bytea,
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  requested_minor bigint NOT NULL CHECK (requested_minor > 0 AND requested_minor <= 1000000000000),
  state text NOT NULL CHECK (state IN ('requested', 'approved', 'denied', 'consumed', 'released', 'expired')),
  approved_minor bigint CHECK (approved_minor > 0 AND approved_minor <= 1000000000000),
  -- The last service day it covers.
  expires_on date,
  denial_reason_sealed bytea,
  consumed_by uuid UNIQUE REFERENCES bill_lines (id),
  requested_at timestamptz NOT NULL,
  decided_at timestamptz,
  consumed_at timestamptz,
  released_at timestamptz,
  CHECK ((state = 'consumed') = (consumed_by IS NOT NULL)),
  CHECK ((state = 'consumed') = (consumed_at IS NOT NULL)),
  CHECK ((state = 'released') = (released_at IS NOT NULL)),
  CHECK ((state = 'requested') = (decided_at IS NULL)),
  CHECK ((state IN ('requested', 'denied')) = (approved_minor IS NULL)),
  CHECK ((approved_minor IS NULL) = (expires_on IS NULL)),
  CHECK ((state = 'denied') = (denial_reason_sealed IS NOT NULL))
);
CREATE INDEX preauthorizations_by_clinic ON preauthorizations (clinic, seq);
CREATE INDEX preauthorizations_by_insurer ON preauthorizations (insurer, seq);
-- What a finalize locks (the clinic's approved ones for the patient) and a request counts (its open ones).
CREATE INDEX preauthorizations_open ON preauthorizations (patient_id, clinic) WHERE state IN ('requested', 'approved');
