-- An application's page reads the findings recorded on it: along this index, not the whole table.
CREATE INDEX blacklist_by_application ON blacklist_entries (application_id);
