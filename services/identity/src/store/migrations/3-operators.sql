-- Operators are people: they sign in to the console on identity's own sign-in page with a username and password
-- (argon2id, like residents), and their roles decide which admin scopes their tokens may carry.
CREATE TABLE operators (
  username text PRIMARY KEY CHECK (username ~ '^[a-z][a-z0-9._-]{1,31}$'),
  password_hash text NOT NULL,
  roles text[] NOT NULL CHECK (
    cardinality(roles) BETWEEN 1 AND 5 AND roles <@ ARRAY['admin', 'onboarder', 'support', 'finance', 'auditor']
  ),
  disabled boolean NOT NULL DEFAULT false,
  failed_sign_ins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
