-- Operators page through the deny list longest-denied first (ListDenyList): a keyset on (since, resident_id), so
-- a page costs the same on the ten-thousandth entry as on the first.
CREATE INDEX deny_list_since ON deny_list (since, resident_id);
