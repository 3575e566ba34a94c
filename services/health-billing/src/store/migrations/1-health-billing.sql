-- Health billing's own tables. Medical details (a code's description, a line's code and note) are sealed
-- (AES-256-GCM, platform key_ring.ts: the key id travels in the sealed value) in bytea columns; money, ids, dates
-- and service categories stay queryable. Money is bigint minor units with its currency.

-- Clinics and insurers, learned from identity's service.onboarded events (a `bill:` or `insure:` scope).
CREATE TABLE parties (
  name text NOT NULL CHECK (name ~ '^[a-z][a-z0-9-]{1,31}$'),
  kind text NOT NULL CHECK (kind IN ('clinic', 'insurer')),
  display_name text NOT NULL CHECK (length(display_name) <= 128),
  onboarded_at timestamptz NOT NULL,
  PRIMARY KEY (name, kind)
);

CREATE TABLE codes (
  code text PRIMARY KEY CHECK (code ~ '^[A-Z0-9.-]{1,16}$'),
  category text NOT NULL,
  description_sealed bytea NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Versions are never edited: a correction is a newer version. rules is the plan's numbers and code lists.
CREATE TABLE plan_versions (
  plan_id text NOT NULL CHECK (length(plan_id) BETWEEN 1 AND 64),
  version integer NOT NULL CHECK (version > 0),
  insurer text NOT NULL,
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  effective_from date NOT NULL,
  rules jsonb NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (plan_id, version),
  UNIQUE (plan_id, effective_from)
);

CREATE TABLE fee_schedules (
  clinic text NOT NULL,
  code text NOT NULL,
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  allowed_minor bigint NOT NULL CHECK (allowed_minor > 0),
  PRIMARY KEY (clinic, currency, code)
);

-- A bill is opened at check-in for the patient whose credential was presented, under the plan version in effect
-- that day. Status: open (lines being added) -> awaiting_payment (adjudicated, accumulators reserved, until pay_by)
-- -> paying (the wallet's split hold is being made and captured: wallet_key names it, so a restart finishes or
-- voids it) -> paid; or -> voided (nothing charged, accumulators released).
CREATE TABLE bills (
  id uuid PRIMARY KEY,
  clinic text NOT NULL,
  patient_id text NOT NULL,
  credential_id text NOT NULL,
  -- The check-in presentation's nonce: one presentation opens one bill, across every instance.
  checkin_nonce text NOT NULL UNIQUE,
  concession text NOT NULL,
  plan_id text NOT NULL,
  plan_version integer NOT NULL,
  plan_year integer NOT NULL,
  insurer text NOT NULL,
  currency char(3) NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'awaiting_payment', 'paying', 'paid', 'voided')),
  billed_minor bigint NOT NULL DEFAULT 0 CHECK (billed_minor >= 0),
  written_off_minor bigint NOT NULL DEFAULT 0 CHECK (written_off_minor >= 0),
  patient_minor bigint NOT NULL DEFAULT 0 CHECK (patient_minor >= 0),
  plan_minor bigint NOT NULL DEFAULT 0 CHECK (plan_minor >= 0),
  created_at timestamptz NOT NULL,
  finalized_at timestamptz,
  pay_by timestamptz,
  wallet_key text,
  -- While paying: when it began and the patient's mandate (sealed), so a restart repeats the wallet calls with the
  -- same keys and request; cleared once the bill is paid or voided.
  paying_since timestamptz,
  pay_presentation_sealed bytea,
  hold_id uuid,
  closed_at timestamptz,
  CHECK (status = 'open' OR billed_minor = written_off_minor + patient_minor + plan_minor),
  CHECK ((status IN ('open')) = (finalized_at IS NULL)),
  CHECK ((status IN ('paid', 'voided')) = (closed_at IS NOT NULL)),
  CHECK ((status = 'paying') = (pay_presentation_sealed IS NOT NULL AND paying_since IS NOT NULL)),
  FOREIGN KEY (plan_id, plan_version) REFERENCES plan_versions (plan_id, version)
);
CREATE INDEX bills_by_clinic ON bills (clinic, created_at DESC, id);
CREATE INDEX bills_by_patient ON bills (patient_id, created_at DESC, id);
CREATE INDEX bills_due ON bills (pay_by) WHERE status = 'awaiting_payment';
CREATE INDEX bills_paying ON bills (paying_since) WHERE status = 'paying';

CREATE TABLE bill_lines (
  id uuid PRIMARY KEY,
  bill_id uuid NOT NULL REFERENCES bills (id),
  seq integer NOT NULL CHECK (seq > 0),
  code_sealed bytea NOT NULL,
  category text NOT NULL,
  service_date date NOT NULL,
  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 100),
  unit_price_minor bigint NOT NULL CHECK (unit_price_minor > 0),
  billed_minor bigint NOT NULL CHECK (billed_minor = unit_price_minor * quantity),
  note_sealed bytea,
  -- The adjudication: amounts and CARC adjustments only (no code, no description).
  allowed_minor bigint,
  written_off_minor bigint,
  patient_minor bigint,
  plan_minor bigint,
  adjustments jsonb,
  CHECK (allowed_minor IS NULL OR billed_minor = written_off_minor + patient_minor + plan_minor),
  UNIQUE (bill_id, seq)
);

-- One row per member and plan year, locked by every adjudication that consumes the member's deductible, out-of-
-- pocket room, visits or category caps: two clinics finalizing at once take turns.
CREATE TABLE member_years (
  patient_id text NOT NULL,
  plan_id text NOT NULL,
  plan_year integer NOT NULL,
  PRIMARY KEY (patient_id, plan_id, plan_year)
);

-- What each adjudicated line added to its member's accumulators: the sums are the accumulators, a reversal deletes
-- exactly what the line added.
CREATE TABLE accumulator_contributions (
  line_id uuid PRIMARY KEY REFERENCES bill_lines (id),
  bill_id uuid NOT NULL REFERENCES bills (id),
  patient_id text NOT NULL,
  plan_id text NOT NULL,
  plan_year integer NOT NULL,
  category text NOT NULL,
  deductible_minor bigint NOT NULL CHECK (deductible_minor >= 0),
  out_of_pocket_minor bigint NOT NULL CHECK (out_of_pocket_minor >= 0),
  visits integer NOT NULL CHECK (visits >= 0),
  plan_paid_minor bigint NOT NULL CHECK (plan_paid_minor >= 0),
  FOREIGN KEY (patient_id, plan_id, plan_year) REFERENCES member_years (patient_id, plan_id, plan_year)
);
CREATE INDEX accumulator_contributions_by_member ON accumulator_contributions (patient_id, plan_id, plan_year);
