-- Messages waiting to be sent (SMS), written in the same transaction as the change that
-- causes them and drained by a worker. A claim is a lease (locked_until), so several
-- servers can drain one database; the idempotency key also goes to the gateway.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until INTEGER,
    locked_by TEXT,
    sent_at INTEGER,
    last_error TEXT,
    dead INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
