-- The idempotency table now has the shape platform's Idempotency helper expects (responses are still sealed).
ALTER TABLE idempotency_keys RENAME COLUMN response_sealed TO response;
