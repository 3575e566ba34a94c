-- Authorizations declined, counted per UTC day, service and reason (the console's "declines by reason"). One row per
-- (day, service, reason) that happened, whatever the traffic: each wallet process counts in memory and adds its counts
-- here in one statement about once a second (app/decline_counts.ts), so a decline costs no database work of its own.
CREATE TABLE decline_counts (
  day date NOT NULL,
  service text NOT NULL CHECK (length(service) BETWEEN 1 AND 128),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 64),
  count bigint NOT NULL CHECK (count > 0),
  PRIMARY KEY (day, service, reason)
);

