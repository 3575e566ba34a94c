-- Every reconciliation of the books that ran (the daily job's and the ones operators asked for), so the console and
-- the CLI show the last run and any break without scanning the ledger again, and a break stays on record after
-- it is repaired. Written after the run's read-only snapshot ends, in a statement of its own.
CREATE TABLE reconciliation_runs (
  id uuid PRIMARY KEY,
  checked_at timestamptz NOT NULL,
  -- How long the checks took, in milliseconds.
  duration_ms integer NOT NULL CHECK (duration_ms >= 0),
  in_order boolean NOT NULL,
  -- [{name, breaks, examples}] as the report gave them (examples name ids and amounts, no personal data).
  checks jsonb NOT NULL CHECK (jsonb_typeof(checks) = 'array'),
  -- Who asked: 'scheduled' (the daily job), or 'operator:<username>' / 'client:<client id>' over gRPC.
  ran_by text NOT NULL CHECK (length(ran_by) BETWEEN 1 AND 200),
  CHECK (in_order = NOT jsonb_path_exists(checks, '$[*] ? (@.breaks > 0)'))
);
CREATE INDEX reconciliation_runs_newest ON reconciliation_runs (checked_at DESC, id DESC);
