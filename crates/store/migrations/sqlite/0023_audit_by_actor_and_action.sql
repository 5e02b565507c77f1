-- A member's entries of one kind, newest first: their sign-ins in an administrator's search,
-- and the staff list's last sign-in of each member. Both walked the member's entries (by
-- audit_log_by_actor) until enough of that kind turned up: every page they had opened since.
-- Now each kind of a member's entries is a range of its own.
CREATE INDEX audit_log_by_actor_and_action ON audit_log (actor_id, action, id);
