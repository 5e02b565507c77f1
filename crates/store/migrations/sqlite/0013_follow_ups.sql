-- Renewals (续办) and changes (变更) are applications too: each says which kind it is and,
-- for a renewal or a change, which points notice it follows.
ALTER TABLE applications ADD COLUMN kind TEXT NOT NULL DEFAULT 'new';
ALTER TABLE applications ADD COLUMN follows_notice INTEGER REFERENCES points_notices (id);
