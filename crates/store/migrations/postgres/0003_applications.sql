-- Applicants, the employers that registered them, applications with their history, the
-- materials uploaded for them, saved simulations and CSV import jobs. Times are UTC
-- milliseconds. Nothing here is deleted: a replaced upload is marked superseded, a state
-- change is a new event row.

-- One applicant account per person (resident ID number), whichever employers register them.
CREATE TABLE applicants (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    id_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    mobile TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Which employers have registered an applicant; the newest is the current employer.
CREATE TABLE employments (
    id BIGSERIAL PRIMARY KEY,
    applicant_id BIGINT NOT NULL REFERENCES users (id),
    employer_id BIGINT NOT NULL REFERENCES employers (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    UNIQUE (applicant_id, employer_id)
);
CREATE INDEX employments_by_employer ON employments (employer_id);

-- An application: the form as typed (fields), the claim frozen when it was submitted, the
-- employer's last per-field comments, and a version for optimistic concurrency.
CREATE TABLE applications (
    id BIGSERIAL PRIMARY KEY,
    applicant_id BIGINT NOT NULL REFERENCES users (id),
    employer_id BIGINT NOT NULL REFERENCES employers (id),
    district TEXT NOT NULL,
    state TEXT NOT NULL,
    open BOOLEAN NOT NULL,
    fields JSONB NOT NULL,
    claimed_total BIGINT,
    claim JSONB,
    review JSONB NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    state_since BIGINT NOT NULL
);
-- At most one application in progress per person.
CREATE UNIQUE INDEX one_open_application ON applications (applicant_id) WHERE open;
CREATE INDEX applications_by_employer ON applications (employer_id);

CREATE TABLE application_events (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    at BIGINT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    comment TEXT NOT NULL,
    details JSONB NOT NULL
);
CREATE INDEX application_events_by_application ON application_events (application_id);

-- Uploaded files, by checksum (one copy of identical content).
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    bytes BYTEA NOT NULL
);

CREATE TABLE uploads (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    material TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    uploaded_at BIGINT NOT NULL,
    superseded BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX uploads_by_application ON uploads (application_id);

CREATE TABLE simulations (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    fields JSONB NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX simulations_by_user ON simulations (user_id);

CREATE TABLE import_jobs (
    id BIGSERIAL PRIMARY KEY,
    employer_id BIGINT NOT NULL REFERENCES employers (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    total BIGINT NOT NULL,
    processed BIGINT NOT NULL,
    report JSONB NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A message whose text must not be kept once sent (an initial password) carries the text
-- to keep instead.
ALTER TABLE outbox ADD COLUMN body_after_send TEXT;
