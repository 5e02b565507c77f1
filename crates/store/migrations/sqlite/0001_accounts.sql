-- Accounts, sessions, login throttling, employers and the audit log.
-- Times are UTC milliseconds since the epoch. Records that matter are never deleted:
-- users are disabled, employers change status, the audit log only grows.

CREATE TABLE employers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    district TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
    verified_by INTEGER,
    verified_at INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    district TEXT,
    employer_id INTEGER REFERENCES employers (id),
    must_change_password INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_by_subject ON login_failures (subject, at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id INTEGER,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL
);
