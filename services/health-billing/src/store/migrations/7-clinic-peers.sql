-- The clinic peers check at finalize (issue 13). Codes are sealed, so lines are matched by a keyed digest of the code
-- (the key ring's HMAC, app/code_digest.ts): set on each line as its bill is finalized, and counted per code, day
-- and clinic in clinic_code_days, which the peer query reads (a code's days x clinics in the window, not its lines).
-- Lines finalized before this migration have no digest and are not counted: the comparison judges from the lines
-- finalized after it, and judges nothing until a code has its minimum of peers and lines. Both can be rebuilt from
-- bill_lines (code_digest) joined to bills (clinic, finalized_at) should they drift. Depends on 1-*.sql only.
ALTER TABLE bill_lines ADD COLUMN code_digest bytea;

-- A finalized bill flagged for review (a clinic far above its peers): the rules and the figures behind them, never
-- a code (see the ReviewFlag message).
ALTER TABLE bills ADD COLUMN review_flags jsonb NOT NULL DEFAULT '[]';

-- A clinic's finalized lines of a code on one day (its finalize day, UTC): one row per code, day and clinic, so the
-- peer query reads at most window days x clinics rows for a code whatever its volume. Counted at finalize and
-- never taken back (a voided bill was still billed). The count is in the key's leaves (INCLUDE) so the read is an
-- index-only scan: a common code's 6,000 rows (200 clinics x 30 days) lie on ~5,400 table pages, as finalizes
-- write them through the day, against ~70 index pages (bench/clinic_peers.ts: 31 ms -> 1.9 ms).
CREATE TABLE clinic_code_days (
  code_digest bytea NOT NULL,
  day date NOT NULL,
  clinic text NOT NULL,
  lines integer NOT NULL CHECK (lines > 0),
  PRIMARY KEY (code_digest, day, clinic) INCLUDE (lines)
);
