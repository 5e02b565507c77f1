-- A dashboard counts the centre's moves of a period (acceptances, correction notices,
-- decisions since a date): found by action and time, not by reading every event of the
-- district's history.
CREATE INDEX application_events_by_action ON application_events (action, at);
-- Notices in force by the day they end, with what a dashboard counts of them (district and
-- total): the renewals coming due, the daily renewal reminders and the score distribution
-- read these, not every notice ever issued. (superseded_at, always empty here, is in it so
-- that those counts are read from the index alone.)
CREATE INDEX points_notices_in_force ON points_notices (valid_until, district, total, superseded_at)
    WHERE superseded_at IS NULL;
