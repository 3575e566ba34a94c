-- What insurers and residents read (claims, the daily settlement, the resident's own bills) and the presentations
-- residents read them with. Depends on 1-health-billing.sql only.

-- An insurer's claims, newest first in keyset pages of (created_at, id): adjudicated bills only.
CREATE INDEX bills_claims_by_insurer ON bills (insurer, created_at DESC, id DESC) WHERE finalized_at IS NOT NULL;
-- An insurer's bills paid on one day (the settlement report).
CREATE INDEX bills_paid_by_insurer ON bills (insurer, closed_at) WHERE status = 'paid';
-- A resident's bills, newest first in keyset pages of (created_at, id).
CREATE INDEX bills_by_patient_page ON bills (patient_id, created_at DESC, id DESC);

-- The presentations (addressed to health-billing) residents read their bills with: each is accepted once, on any
-- instance. A row is kept until the presentation could no longer be accepted anyway (its expiry plus the clock skew
-- allowed), then swept.
CREATE TABLE resident_presentations (
  presentation_id text PRIMARY KEY CHECK (length(presentation_id) BETWEEN 1 AND 128),
  expires_at timestamptz NOT NULL
);
CREATE INDEX resident_presentations_expiry ON resident_presentations (expires_at);
