-- Points notices (积分通知书): issued by the decision that grants an application, never
-- changed but to mark them superseded by a later one of the same holder. The check code,
-- random and unguessable, is what the public verification page asks for with the serial.
CREATE TABLE points_notices (
    id INTEGER PRIMARY KEY,
    serial TEXT NOT NULL UNIQUE,
    check_code TEXT NOT NULL,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    holder_id INTEGER NOT NULL REFERENCES users (id),
    employer_id INTEGER NOT NULL REFERENCES employers (id),
    district TEXT NOT NULL,
    total INTEGER NOT NULL,
    valid_until TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    superseded_at INTEGER,
    details TEXT NOT NULL
);
CREATE INDEX points_notices_by_holder ON points_notices (holder_id);
