-- A district centre's queues read the applications of one district in a few states, oldest
-- in its state first; without an index each queue page scanned every application ever
-- filed. Leading with the state also lets the start-up check of stored states step from one
-- state to the next instead of reading every row.
CREATE INDEX applications_by_state ON applications (state, district, state_since, id);
