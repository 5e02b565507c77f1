-- The audit log is the largest table (every view of a person's details adds an entry). An
-- administrator's search by subject ("who saw application 7") or by actor, newest first, and
-- the staff list's last sign-in of each member (the newest such entry), read all of it: each
-- now walks its own entries from the newest.
CREATE INDEX audit_log_by_subject ON audit_log (subject, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, id);
