-- The verified facts of a points notice as the engine reads them (the profile JSON of
-- CONTRACT.md), written at the grant, so that a rescoring parses one small document per
-- holder instead of replaying the application's events. Older notices have none and are
-- rescored from their events.
ALTER TABLE points_notices ADD COLUMN profile TEXT;
