-- The staff list picks the members of staff out of every user, and every applicant is a
-- user: it read them all. It now reads the staff's own entries.
CREATE INDEX users_by_role ON users (role, id);
