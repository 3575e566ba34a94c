-- Residents, their enrollment codes and credentials, signing keys, OIDC state, city services, audit.

CREATE TABLE residents (
  id uuid PRIMARY KEY,
  given_name text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
  family_name text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
  birth_date date NOT NULL,
  concession_class text NOT NULL CHECK (concession_class IN ('adult', 'child', 'senior', 'student')),
  coverage_plan_ref text NOT NULL DEFAULT '',
  password_hash text,
  failed_sign_ins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Only a hash of each code is kept: the code itself is shown once to the operator.
CREATE TABLE enrollment_codes (
  code_hash bytea PRIMARY KEY,
  resident_id uuid NOT NULL REFERENCES residents (id),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX enrollment_codes_resident ON enrollment_codes (resident_id) WHERE used_at IS NULL;

CREATE TABLE credentials (
  id uuid PRIMARY KEY,
  resident_id uuid NOT NULL REFERENCES residents (id),
  status_index bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  device_thumbprint text NOT NULL,
  kid text NOT NULL,
  issued_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_by text CHECK (revoked_by IN ('operator', 'resident', 'replaced')),
  revocation_reason text,
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
-- One active credential per resident, enforced by the database: a new phone's credential revokes the old first.
CREATE UNIQUE INDEX credentials_one_active ON credentials (resident_id) WHERE revoked_at IS NULL;

CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  private_jwk_sealed bytea NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  activates_at timestamptz NOT NULL
);

-- oidc-provider's models (sessions, codes, tokens, grants, clients, ...), one row per model instance.
CREATE TABLE oidc_payloads (
  model text NOT NULL,
  id text NOT NULL,
  payload jsonb NOT NULL,
  grant_id text,
  user_code text,
  uid text,
  expires_at timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oidc_payloads_grant ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_payloads_uid ON oidc_payloads (uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_payloads_user_code ON oidc_payloads (user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oidc_payloads_expires ON oidc_payloads (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE services (
  name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]{1,31}$'),
  display_name text NOT NULL,
  contact_email text NOT NULL,
  scopes text[] NOT NULL,
  auth_method text NOT NULL CHECK (auth_method IN ('client_secret_basic', 'private_key_jwt')),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Idempotency records; responses are sealed because some carry a one-time secret.
CREATE TABLE idempotency_keys (
  operation text NOT NULL,
  key text NOT NULL,
  request_hash bytea NOT NULL,
  response_sealed bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (operation, key)
);

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  subject_id text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject ON audit_log (subject_id, id);

-- Append-only, enforced by the database.
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
