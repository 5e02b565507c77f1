-- Sign-in throttling that holds under concurrency, trusted devices, consent to employer
-- links, and a row the health check writes to prove the database accepts writes.

-- One counter per subject (an account and address pair, an address, an account, a device),
-- raised by a single atomic upsert before the password is checked, so concurrent guesses
-- cannot all read the same old count. The window starts at the first attempt.
DROP TABLE login_failures;
CREATE TABLE login_throttle (
    subject TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts BIGINT NOT NULL
);
CREATE INDEX login_throttle_by_window ON login_throttle (window_start);

-- A browser that has signed in to an account before: its attempts are counted on their own,
-- so a stranger's guesses from elsewhere cannot lock the owner out.
CREATE TABLE trusted_devices (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX trusted_devices_by_user ON trusted_devices (user_id);
CREATE INDEX trusted_devices_by_expiry ON trusted_devices (expires_at);

-- A link between a person and an employer: 'active' when the employer opened the account,
-- 'pending' until the person consents when the account existed, then 'active', 'declined'
-- or 'ended' (by the person). Links are never deleted.
ALTER TABLE employments ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
-- Links made before consent existed: the first employer of a person opened the account; any
-- later one linked it without asking, so it waits for the person's consent now.
UPDATE employments SET status = 'pending'
WHERE id NOT IN (SELECT MIN(id) FROM employments GROUP BY applicant_id);
ALTER TABLE employments ADD COLUMN decided_at BIGINT;

CREATE TABLE health_probe (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL
);
INSERT INTO health_probe (id, at) VALUES (1, 0);
