-- Transit's audit log of operator actions (gate assignments, fare rules): who, what, to which target, the target
-- before and after, and why. Written in the transaction of the action, so a failed action leaves no row.
-- Append-only, enforced by the database. Pages are newest first by id (keyset): a page on the millionth row costs
-- what the first does; a merchant-scoped operator's pages walk operator_audit_merchant, an actor's
-- operator_audit_actor.
CREATE TABLE operator_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
  action text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
  target text NOT NULL CHECK (length(target) BETWEEN 1 AND 200),
  -- The gate client the action is about ('' for none, e.g. fare rules): what a merchant-scoped operator may read.
  merchant text NOT NULL DEFAULT '',
  before jsonb NOT NULL,
  after jsonb NOT NULL,
  reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 200)
);
CREATE INDEX operator_audit_merchant ON operator_audit (merchant, id);
CREATE INDEX operator_audit_actor ON operator_audit (actor, id);

CREATE FUNCTION operator_audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'operator_audit is append-only';
END $$;
CREATE TRIGGER operator_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON operator_audit
  FOR EACH STATEMENT EXECUTE FUNCTION operator_audit_is_append_only();

