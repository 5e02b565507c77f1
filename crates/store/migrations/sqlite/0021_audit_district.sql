-- A district's staff search the audit log for what concerns their district: entries about
-- its applications once filed with its centre, and its staff's other entries. That was found
-- by testing every entry, newest first, against the set of every application ever filed with
-- the centre, built anew for each search from every filing in the city. Each entry now
-- carries the district it concerns, written with it: that of the application it is about,
-- else its actor's, when the actor is staff of a district. A district's search walks its own
-- entries from the newest.
ALTER TABLE audit_log ADD COLUMN district TEXT;
UPDATE audit_log SET district = COALESCE(
    CASE WHEN audit_log.subject LIKE 'application:%' AND length(audit_log.subject) BETWEEN 13 AND 30
        AND ltrim(substr(audit_log.subject, 13), '0123456789') = ''
        THEN (SELECT p.district FROM applications p WHERE p.id = CAST(substr(audit_log.subject, 13) AS INTEGER))
    END,
    (SELECT u.district FROM users u WHERE u.id = audit_log.actor_id)
);
CREATE INDEX audit_log_by_district ON audit_log (district, id);
