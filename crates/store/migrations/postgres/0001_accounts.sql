-- Accounts, sessions, login throttling, employers and the audit log.
-- Times are UTC milliseconds since the epoch. Records that matter are never deleted:
-- users are disabled, employers change status, the audit log only grows.

CREATE TABLE employers (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    district TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
    verified_by BIGINT,
    verified_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    district TEXT,
    employer_id BIGINT REFERENCES employers (id),
    must_change_password BOOLEAN NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_subject ON login_failures (subject, at);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details JSONB NOT NULL
);
