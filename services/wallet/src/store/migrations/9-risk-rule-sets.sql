-- The risk engine's rule sets (issue 13): every version ever put, one live and at most one candidate running in
-- shadow; a version names one content for good (a withdrawn or retired one is not put again). No live row: the
-- rule set the wallet ships with is live. Every wallet instance follows these rows (WALLET_RISK_RULES_POLL_MS).
CREATE TABLE risk_rule_sets (
  version text PRIMARY KEY CHECK (length(version) BETWEEN 1 AND 128),
  rule_set jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('candidate', 'live', 'withdrawn', 'retired')),
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  promoted_at timestamptz,
  promoted_by text NOT NULL DEFAULT '',
  -- Promoted: live now or before (retired); never promoted: a candidate, or one replaced by another (withdrawn).
  CHECK ((status IN ('live', 'retired')) = (promoted_at IS NOT NULL))
);
CREATE UNIQUE INDEX risk_rule_sets_one_live ON risk_rule_sets ((true)) WHERE status = 'live';
CREATE UNIQUE INDEX risk_rule_sets_one_candidate ON risk_rule_sets ((true)) WHERE status = 'candidate';

-- What a candidate would have done differently, per wallet instance (a process: a restarted one is a new instance)
-- since it began shadowing it: each instance overwrites its own row with its running tally (@citypass/risk's
-- ShadowReport as JSON); the candidate's report is the sum of its rows.
CREATE TABLE risk_shadow_tallies (
  candidate_version text NOT NULL REFERENCES risk_rule_sets (version),
  instance_id uuid NOT NULL,
  report jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (candidate_version, instance_id)
);
