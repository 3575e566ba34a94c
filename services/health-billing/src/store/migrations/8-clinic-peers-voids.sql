-- The clinic peers' counts without the voided lines (issue 13 follow-up). Migration 7 counted each line at finalize
-- and never took it back, so a voided bill stayed counted and its replacement was counted again. Since this, a void
-- and a correction's cancelled lines take their lines back out in their own transaction (app/clinic_peers.ts), and
-- this rebuilds the counts once from the lines as 7 recorded them (bill_lines.code_digest, the bill's clinic and
-- finalize day, UTC): the active lines of bills neither voided nor reversed. Lines with no digest (finalized before
-- 7) stay uncounted, as before. The table is locked against finalizes first: one waiting to count its lines counts
-- them after this commits, on top of the rebuilt rows. Depends on 7-*.sql.
LOCK TABLE clinic_code_days IN EXCLUSIVE MODE;
DELETE FROM clinic_code_days;
INSERT INTO clinic_code_days (code_digest, day, clinic, lines)
SELECT l.code_digest, (b.finalized_at AT TIME ZONE 'UTC')::date, b.clinic, count(*)::integer
  FROM bill_lines l JOIN bills b ON b.id = l.bill_id
 WHERE l.code_digest IS NOT NULL AND l.status = 'active' AND b.status NOT IN ('voided', 'reversed')
 GROUP BY 1, 2, 3;
