-- The false-materials blacklist (诚信记录), with due process: a reviewer's finding on an
-- application names a person or an employer; they may respond; a supervisor who did not
-- record it confirms or dismisses it. Entries are never changed or deleted: everything that
-- happens to one (the response, the decision, its expiry) is a new event.
CREATE TABLE blacklist_entries (
    id BIGSERIAL PRIMARY KEY,
    subject TEXT NOT NULL,
    person_id BIGINT REFERENCES users (id),
    employer_id BIGINT REFERENCES employers (id),
    application_id BIGINT NOT NULL REFERENCES applications (id),
    district TEXT NOT NULL,
    material TEXT NOT NULL,
    finding TEXT NOT NULL,
    evidence TEXT NOT NULL,
    respond_by TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX blacklist_by_person ON blacklist_entries (person_id);
CREATE INDEX blacklist_by_employer ON blacklist_entries (employer_id);

CREATE TABLE blacklist_events (
    id BIGSERIAL PRIMARY KEY,
    entry_id BIGINT NOT NULL REFERENCES blacklist_entries (id),
    at BIGINT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    effective_until TEXT
);
-- One decision an entry: two supervisors deciding at once cannot both succeed.
CREATE UNIQUE INDEX one_blacklist_decision ON blacklist_events (entry_id) WHERE kind IN ('confirmed', 'dismissed');
CREATE UNIQUE INDEX one_blacklist_expiry ON blacklist_events (entry_id) WHERE kind = 'expired';
-- One appeal an entry, and one answer to it.
CREATE UNIQUE INDEX one_blacklist_appeal ON blacklist_events (entry_id) WHERE kind = 'appealed';
CREATE UNIQUE INDEX one_blacklist_appeal_answer ON blacklist_events (entry_id) WHERE kind IN ('upheld', 'lifted');
