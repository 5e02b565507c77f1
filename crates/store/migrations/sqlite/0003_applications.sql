-- Applicants, the employers that registered them, applications with their history, the
-- materials uploaded for them, saved simulations and CSV import jobs. Times are UTC
-- milliseconds. Nothing here is deleted: a replaced upload is marked superseded, a state
-- change is a new event row.

-- One applicant account per person (resident ID number), whichever employers register them.
CREATE TABLE applicants (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    id_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    mobile TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Which employers have registered an applicant; the newest is the current employer.
CREATE TABLE employments (
    id INTEGER PRIMARY KEY,
    applicant_id INTEGER NOT NULL REFERENCES users (id),
    employer_id INTEGER NOT NULL REFERENCES employers (id),
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    UNIQUE (applicant_id, employer_id)
);
CREATE INDEX employments_by_employer ON employments (employer_id);

-- An application: the form as typed (fields), the claim frozen when it was submitted, the
-- employer's last per-field comments, and a version for optimistic concurrency.
CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    applicant_id INTEGER NOT NULL REFERENCES users (id),
    employer_id INTEGER NOT NULL REFERENCES employers (id),
    district TEXT NOT NULL,
    state TEXT NOT NULL,
    open INTEGER NOT NULL,
    fields TEXT NOT NULL,
    claimed_total INTEGER,
    claim TEXT,
    review TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    state_since INTEGER NOT NULL
);
-- At most one application in progress per person.
CREATE UNIQUE INDEX one_open_application ON applications (applicant_id) WHERE open = 1;
CREATE INDEX applications_by_employer ON applications (employer_id);

CREATE TABLE application_events (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    comment TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX application_events_by_application ON application_events (application_id);

-- Uploaded files, by checksum (one copy of identical content).
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    bytes BLOB NOT NULL
);

CREATE TABLE uploads (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    material TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    uploaded_by INTEGER NOT NULL REFERENCES users (id),
    uploaded_at INTEGER NOT NULL,
    superseded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX uploads_by_application ON uploads (application_id);

CREATE TABLE simulations (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    fields TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX simulations_by_user ON simulations (user_id);

CREATE TABLE import_jobs (
    id INTEGER PRIMARY KEY,
    employer_id INTEGER NOT NULL REFERENCES employers (id),
    created_by INTEGER NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    total INTEGER NOT NULL,
    processed INTEGER NOT NULL,
    report TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- A message whose text must not be kept once sent (an initial password) carries the text
-- to keep instead.
ALTER TABLE outbox ADD COLUMN body_after_send TEXT;
