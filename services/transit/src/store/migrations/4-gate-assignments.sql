-- Which gate client (an OIDC client with gate:<client>) operates which gate: a gate's taps, uploads and
-- configuration are accepted only from its client, so one fleet cannot tap as another's gates.
CREATE TABLE gate_assignments (
  gate_id text PRIMARY KEY CHECK (gate_id ~ '^[A-Za-z0-9._:-]{1,64}$'),
  client_id text NOT NULL CHECK (client_id ~ '^[a-z][a-z0-9-]{1,31}$'),
  assigned_by text NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT now()
);
