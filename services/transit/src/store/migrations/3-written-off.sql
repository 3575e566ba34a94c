-- A charge the wallet will never accept for this mandate (the tap is past the settlement window, or its
-- credential was revoked before the tap) is written off: recorded as charged for pricing, with no money moved,
-- so repricing does not ask for it again and the resident is not denied for a fare they cannot pay.
ALTER TABLE settlement_steps DROP CONSTRAINT settlement_steps_status_check;
ALTER TABLE settlement_steps ADD CONSTRAINT settlement_steps_status_check CHECK (status IN ('pending', 'done', 'declined', 'written_off'));
