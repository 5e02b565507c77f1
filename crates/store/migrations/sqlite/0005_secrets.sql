-- Server secrets shared by every server on the database, each generated once by the first
-- server that needs it (random bytes as hex). `one_time_password_key` keys the fast hash of
-- initial passwords (jifen-auth: one-time secrets that only allow the forced change).
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
