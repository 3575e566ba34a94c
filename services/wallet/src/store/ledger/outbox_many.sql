-- Writes the events of a batch's written items to platform's outbox in one statement (the ledger's *_many functions,
-- after their loop, so the events commit with the items): the event of each position where p_written is true, in
-- position order (so in the order of the outbox's seq). One INSERT for the batch instead of one per event: the
-- executor's start and end per statement cost about twice the row itself (bench/pg_cost.ts, docs/capacity.md).
-- Nothing here can refuse an event that its item could not: each id is new (the wallet's randomUUID), and no other
-- column is constrained.
DROP FUNCTION IF EXISTS wallet_outbox(uuid, text, bytea, jsonb);  -- the one-event version every item called
CREATE OR REPLACE FUNCTION wallet_outbox_many(
  p_written boolean[], p_id uuid[], p_subject text[], p_payload bytea[], p_headers jsonb[]
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox (id, subject, payload, headers)
  SELECT event.id, event.subject, event.payload, event.headers
  FROM unnest(p_written, p_id, p_subject, p_payload, p_headers)
       WITH ORDINALITY AS event (written, id, subject, payload, headers, position)
  WHERE event.written
  ORDER BY event.position;
END $$;
