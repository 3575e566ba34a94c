-- Operators' lists are keyset paged: each page, searched or not, is one range scan of one of these indexes, so the
-- thousandth page costs what the first does. The C collation makes a prefix search (starts_with) a range of the
-- same index the pages are ordered by; lower() makes it case-insensitive.
CREATE INDEX residents_by_name ON residents ((lower(family_name || ' ' || given_name) COLLATE "C"), id);
CREATE INDEX services_by_name ON services ((name COLLATE "C"));
