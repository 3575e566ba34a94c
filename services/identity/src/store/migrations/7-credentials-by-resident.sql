-- A resident's credentials for operators, newest first: keyset paged by the status list index (given in issue order)
-- within the resident, each page one range scan of this index however many phones the resident has had.
CREATE INDEX credentials_by_resident ON credentials (resident_id, status_index DESC);
