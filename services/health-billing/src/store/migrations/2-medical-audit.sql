-- Who read whose medical data, what, and why: one row per read, written in the transaction of the read itself, so a
-- read whose entry cannot be written returns nothing. Identifiers only: no codes, descriptions, diagnoses or
-- amounts (every column is an id or a closed word). Depends on nothing in 1-*.sql.

CREATE TABLE medical_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  -- clinic:<client>, resident:<resident id>, insurer:<client>, operator:<client>
  actor text NOT NULL CHECK (actor ~ '^(clinic|resident|insurer|operator):[A-Za-z0-9._-]{1,128}$'),
  -- what was read: bill.read, eob.read, fhir.export, ...
  action text NOT NULL CHECK (action ~ '^[a-z][a-z_]{0,31}(\.[a-z][a-z_]{0,31}){1,2}$'),
  -- the patient: the resident whose data was read
  subject uuid NOT NULL,
  -- the bill, encounter or export read
  resource text NOT NULL CHECK (resource ~ '^[A-Za-z0-9._:-]{1,128}$'),
  purpose text NOT NULL CHECK (purpose IN ('treatment', 'payment', 'patient_access', 'operations')),
  -- the W3C trace id of the request, when there was one
  trace_id text CHECK (trace_id ~ '^[0-9a-f]{32}$' AND trace_id <> repeat('0', 32))
);

-- Newest first, by patient, by actor, or over everything since a time; (occurred_at, id) is the page key.
CREATE INDEX medical_audit_by_subject ON medical_audit (subject, occurred_at, id);
CREATE INDEX medical_audit_by_actor ON medical_audit (actor, occurred_at, id);
CREATE INDEX medical_audit_by_time ON medical_audit (occurred_at, id);

-- Append-only, enforced by the database (statement triggers: they fire even when no row matches).
CREATE FUNCTION medical_audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'medical_audit is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER medical_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON medical_audit
  FOR EACH STATEMENT EXECUTE FUNCTION medical_audit_is_append_only();
