-- One settler per rider across transit instances, as a lease on the rider's row rather than a session advisory
-- lock: a lock would pin a database connection for the whole settlement, across the wallet calls it makes, and
-- would vanish with that connection (a failover, a pooler). The holder renews the lease before each wallet step.
ALTER TABLE riders
  ADD COLUMN settling_holder uuid,
  ADD COLUMN settling_until timestamptz;
