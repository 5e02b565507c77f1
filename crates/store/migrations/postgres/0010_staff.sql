-- Staff administered in the browser: the mobile a one-time password goes to on a reset.
CREATE TABLE staff_contacts (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    mobile TEXT NOT NULL
);

-- Every switch of an account off or on writes this row first, so that switches on
-- PostgreSQL wait for each other and the last administrator is never switched off twice over.
CREATE TABLE account_switches (
    id BIGINT PRIMARY KEY,
    last_at BIGINT NOT NULL
);
INSERT INTO account_switches (id, last_at) VALUES (1, 0);
