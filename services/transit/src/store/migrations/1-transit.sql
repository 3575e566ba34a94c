-- Transit's own data: the taps gates opened for (what fares are computed from), what settlement charged per
-- journey and through which wallet holds, the steps settlement takes against the wallet (so a crash between a
-- wallet call and its record repeats the call with the same idempotency key), the deny list, and operators' fare
-- rule versions. The network and the first fare rules come from the GTFS feed.

-- Fare rules added by operators (the feed's versions come first; these continue its numbering).
CREATE TABLE fare_rule_versions (
  version integer PRIMARY KEY CHECK (version > 0),
  effective_from date NOT NULL UNIQUE,
  rules jsonb NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Taps the gates opened for. Denied taps change no fare and are only counted.
CREATE TABLE taps (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:-]{1,128}$'),
  gate_id text NOT NULL,
  station_id text NOT NULL,
  direction text NOT NULL CHECK (direction IN ('in', 'out')),
  tapped_at timestamptz NOT NULL,
  resident_id uuid NOT NULL,
  credential_id text NOT NULL,
  concession text NOT NULL,
  -- One presentation opens one gate once, across every transit instance and every offline gate's upload.
  presentation_nonce text NOT NULL UNIQUE,
  -- The verified tap is the wallet mandate for the fare it settles; never logged, never returned.
  presentation text NOT NULL,
  source text NOT NULL CHECK (source IN ('online', 'offline')),
  received_at timestamptz NOT NULL DEFAULT now()
);
-- Two taps of one resident at the same millisecond cannot both be priced (the engine needs a strict order).
CREATE UNIQUE INDEX taps_resident_time ON taps (resident_id, tapped_at);

-- One row per resident who ever tapped: what settlement has still to look at.
CREATE TABLE riders (
  resident_id uuid PRIMARY KEY,
  concession text NOT NULL,
  -- Bumped by every new tap; settlement records the version it priced.
  tap_version bigint NOT NULL DEFAULT 1,
  settled_version bigint NOT NULL DEFAULT 0,
  -- An open journey becomes due at the maximum fare at this time, even without a new tap.
  recheck_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX riders_due ON riders (resident_id) WHERE tap_version > settled_version;
CREATE INDEX riders_recheck ON riders (recheck_at) WHERE recheck_at IS NOT NULL;

-- What settlement has charged for each journey (after caps): the previous state adjustments are computed from.
CREATE TABLE journey_charges (
  resident_id uuid NOT NULL,
  journey_id text NOT NULL,
  service_date date NOT NULL,
  charged_minor bigint NOT NULL CHECK (charged_minor >= 0),
  currency text NOT NULL,
  PRIMARY KEY (resident_id, journey_id)
);

-- One wallet movement settlement decided. Declined charges wait for a top-up, which makes them pending again: a charge (authorize + capture) or a refund against the journey's holds.
CREATE TABLE settlement_steps (
  -- Random, so wallet keys never collide with another transit database's steps.
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigserial NOT NULL,
  resident_id uuid NOT NULL,
  journey_id text NOT NULL,
  service_date date NOT NULL,
  kind text NOT NULL CHECK (kind IN ('charge', 'refund')),
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  currency text NOT NULL,
  -- The journey's charge after this step.
  charged_after_minor bigint NOT NULL CHECK (charged_after_minor >= 0),
  -- The tap whose presentation is the mandate (the journey's first tap).
  mandate_tap_id text NOT NULL REFERENCES taps (id),
  -- The wallet idempotency keys are made of the step id, so every retry (after a crash, a timeout, or a decline,
  -- for which the wallet wrote nothing) repeats the same keys. Attempts are counted for the operator.
  attempt integer NOT NULL DEFAULT 1,
  status text NOT NULL CHECK (status IN ('pending', 'done', 'declined')),
  decline_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX settlement_steps_open ON settlement_steps (resident_id, seq) WHERE status <> 'done';

-- Wallet holds that carry a journey's charges; refunds come back out of them.
CREATE TABLE journey_holds (
  hold_id uuid PRIMARY KEY,
  resident_id uuid NOT NULL,
  journey_id text NOT NULL,
  captured_minor bigint NOT NULL CHECK (captured_minor > 0),
  refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= captured_minor),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX journey_holds_journey ON journey_holds (resident_id, journey_id);

-- What each refund step took back from which hold, so a step resumed after a crash refunds only the rest.
CREATE TABLE step_refunds (
  step_id uuid NOT NULL REFERENCES settlement_steps (id),
  hold_id uuid NOT NULL REFERENCES journey_holds (hold_id),
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  PRIMARY KEY (step_id, hold_id)
);

-- Residents with an unpaid fare: gates deny them until a top-up pays it (mirrored to the deny list KV bucket).
CREATE TABLE deny_list (
  resident_id uuid PRIMARY KEY,
  debt_minor bigint NOT NULL CHECK (debt_minor > 0),
  currency text NOT NULL,
  reason text NOT NULL,
  since timestamptz NOT NULL DEFAULT now()
);
