-- The wallet's audit log of operator actions (an operator's refund, a risk rule set candidate put or promoted): who,
-- what, to which target, the target before and after, and why. The same table as transit's (its migration 9), read
-- and written by @citypass/platform/operator_audit. Written in the transaction of the action, so a refused action
-- leaves no row and a refund repeated under its idempotency key writes none. Append-only, enforced by the database.
-- Pages are newest first by id (keyset); a merchant-scoped operator's pages walk operator_audit_merchant, an
-- actor's operator_audit_actor.
CREATE TABLE operator_audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
  action text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
  target text NOT NULL CHECK (length(target) BETWEEN 1 AND 200),
  -- The service whose hold a refund gave back ('' for none, e.g. rule sets): what a merchant-scoped operator reads.
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
