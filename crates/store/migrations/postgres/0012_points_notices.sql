-- Points notices (积分通知书): issued by the decision that grants an application, never
-- changed but to mark them superseded by a later one of the same holder. The check code,
-- random and unguessable, is what the public verification page asks for with the serial.
CREATE TABLE points_notices (
    id BIGSERIAL PRIMARY KEY,
    serial TEXT NOT NULL UNIQUE,
    check_code TEXT NOT NULL,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    holder_id BIGINT NOT NULL REFERENCES users (id),
    employer_id BIGINT NOT NULL REFERENCES employers (id),
    district TEXT NOT NULL,
    total BIGINT NOT NULL,
    valid_until TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    superseded_at BIGINT,
    details JSONB NOT NULL
);
CREATE INDEX points_notices_by_holder ON points_notices (holder_id);
