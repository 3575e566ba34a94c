-- Corrections to paid bills: a line cancelled or re-priced after payment, a whole bill voided (reversed) or replaced.
-- Each correction is a row of bill_corrections: what changed, the money it gives back to the patient and the plan
-- (refunded through the wallet after the commit, under the key refund:<correction id>, retried by the sweeper while
-- refund_state is 'pending'), who, when and why (sealed: the reason may be medical). The bill keeps what it still
-- charges in patient_minor / plan_minor and what it gave back in refunded_*; what the wallet captured is paid_*, and
-- the database holds charged + refunded = paid on every paid or reversed bill. Depends only on 1-*.sql.

-- What the wallet captured when the bill was paid (0 for a bill settled without the wallet).
ALTER TABLE bills
  ADD COLUMN paid_patient_minor bigint CHECK (paid_patient_minor >= 0),
  ADD COLUMN paid_plan_minor bigint CHECK (paid_plan_minor >= 0),
  ADD COLUMN refunded_patient_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_patient_minor >= 0),
  ADD COLUMN refunded_plan_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_plan_minor >= 0),
  -- A replacement bill (open again for the same encounter) names the paid bill it replaces; one replacement each.
  ADD COLUMN replaces_bill_id uuid UNIQUE REFERENCES bills (id);
UPDATE bills SET paid_patient_minor = patient_minor, paid_plan_minor = plan_minor WHERE status = 'paid';

-- 'reversed': a paid bill whose every line was taken back (VoidBill, ReplaceBill, or a correction cancelling all).
-- The generated names below were looked up in a fresh database migrated with 1-health-billing.sql
-- (pg_constraint: bills_status_check = the status list, bills_check2 = closed exactly when paid or voided).
ALTER TABLE bills DROP CONSTRAINT bills_status_check;
ALTER TABLE bills DROP CONSTRAINT bills_check2;
ALTER TABLE bills
  ADD CONSTRAINT bills_status_known
    CHECK (status IN ('open', 'awaiting_payment', 'paying', 'paid', 'voided', 'reversed')),
  ADD CONSTRAINT bills_closed_when_settled CHECK ((status IN ('paid', 'voided', 'reversed')) = (closed_at IS NOT NULL)),
  ADD CONSTRAINT bills_paid_recorded
    CHECK ((status IN ('paid', 'reversed')) = (paid_patient_minor IS NOT NULL AND paid_plan_minor IS NOT NULL)),
  -- Never refunded above what was paid, and every minor unit paid is either still charged or refunded.
  ADD CONSTRAINT bills_refunds_within_paid
    CHECK (
      (status NOT IN ('paid', 'reversed') AND refunded_patient_minor = 0 AND refunded_plan_minor = 0)
      OR (refunded_patient_minor <= paid_patient_minor AND refunded_plan_minor <= paid_plan_minor
          AND patient_minor + refunded_patient_minor = paid_patient_minor
          AND plan_minor + refunded_plan_minor = paid_plan_minor)
    ),
  ADD CONSTRAINT bills_reversed_charges_nothing
    CHECK (status <> 'reversed' OR (billed_minor = 0 AND patient_minor = 0 AND plan_minor = 0 AND written_off_minor = 0));

-- A line is active or cancelled (kept, with its last adjudication, for the record; the bill's totals and the
-- accumulators count active lines only). A re-priced line bills another amount than quantity x unit price:
-- bill_lines_check (billed = unit price x quantity, looked up in a fresh database like the ones above) holds for
-- lines never re-priced.
ALTER TABLE bill_lines
  ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
  ADD COLUMN repriced_at timestamptz;
ALTER TABLE bill_lines DROP CONSTRAINT bill_lines_check;
ALTER TABLE bill_lines
  ADD CONSTRAINT bill_lines_billed_as_priced
    CHECK (billed_minor > 0 AND (repriced_at IS NOT NULL OR billed_minor = unit_price_minor * quantity));

CREATE TABLE bill_corrections (
  id uuid PRIMARY KEY,
  bill_id uuid NOT NULL REFERENCES bills (id),
  -- correct: lines cancelled and/or re-priced; void: the whole bill voided (reversed if it was paid); replace: a paid
  -- bill reversed and a new open bill for the same encounter (replaces_bill_id).
  kind text NOT NULL CHECK (kind IN ('correct', 'void', 'replace')),
  -- The lines cancelled and re-priced (ids only: their codes stay sealed in bill_lines).
  cancelled_line_ids uuid[] NOT NULL,
  repriced_line_ids uuid[] NOT NULL,
  -- What the correction gives back (>= 0: a correction never charges more) and how the write-off moved.
  patient_refund_minor bigint NOT NULL CHECK (patient_refund_minor >= 0),
  plan_refund_minor bigint NOT NULL CHECK (plan_refund_minor >= 0),
  written_off_delta_minor bigint NOT NULL,
  -- none: nothing to give back through the wallet; pending: committed, the wallet not answered yet (the sweeper
  -- repeats the refund under wallet_key); refunded; refused: the wallet's final no (an operator must look).
  refund_state text NOT NULL CHECK (refund_state IN ('none', 'pending', 'refunded', 'refused')),
  wallet_key text UNIQUE,
  refund_attempted_at timestamptz,
  idempotency_key text NOT NULL,
  corrected_by text NOT NULL,
  corrected_at timestamptz NOT NULL,
  reason_sealed bytea NOT NULL,
  CHECK ((refund_state = 'none') = (patient_refund_minor = 0 AND plan_refund_minor = 0)),
  CHECK ((refund_state = 'none') = (wallet_key IS NULL)),
  UNIQUE (bill_id, kind, idempotency_key)
);
CREATE INDEX bill_corrections_by_bill ON bill_corrections (bill_id, corrected_at);
CREATE INDEX bill_corrections_pending ON bill_corrections (refund_attempted_at) WHERE refund_state = 'pending';
