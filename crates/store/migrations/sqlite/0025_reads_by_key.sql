-- Reads by a key that no index served, so that each read every row of a table that grows
-- with use (found by EXPLAIN QUERY PLAN over every statement the store runs, and by the
-- PostgreSQL process tests, which now fail on a sequential scan):
-- an application's points notices (its page in every state that can hold one, the notice's
-- PDF): a million notices took a second a page on SQLite, a tenth of a millisecond now;
CREATE INDEX points_notices_by_application ON points_notices (application_id);
-- an entry's history (the application page, a person's or employer's record checks), in order;
CREATE INDEX blacklist_events_by_entry ON blacklist_events (entry_id, id);
-- the sign-ups a district's staff have to verify (their home page), and those that lapsed
-- (checked at every sign-up);
CREATE INDEX employers_by_district_and_status ON employers (district, status, id);
CREATE INDEX employers_by_status_and_age ON employers (status, created_at);
-- an employer's agents, retired when it is rejected (PostgreSQL indexes no foreign key by itself);
CREATE INDEX users_by_employer ON users (employer_id);
-- an administrator's audit search by the kind of entry, newest first.
CREATE INDEX audit_log_by_action ON audit_log (action, id);
