-- The member of the district centre's staff who has taken an application (or was given it).
ALTER TABLE applications ADD COLUMN assigned_to INTEGER REFERENCES users (id);
