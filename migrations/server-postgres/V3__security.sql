-- Roles, health-center staff accounts and the server's audit log. Migrations are only ever
-- added.

-- A device is a village doctor's (its own villages) or a team leader's (the team's villages).
ALTER TABLE devices ADD COLUMN role TEXT NOT NULL DEFAULT 'doctor'
    CHECK (role IN ('doctor', 'team-leader'));

-- Health-center staff who log in to the dashboard. The password is kept as an Argon2id hash
-- (PHC string); failed logins are counted per user and lock the account for a while.
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('admin')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT
);

-- Dashboard sessions, by the hash of the cookie's value (the value itself is never stored).
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users(name),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- The server's audit log: who did what, with which role, from where, touching which records
-- (ids only: no names, phones, ID numbers or other health data). Each entry's hash chains from
-- the previous one (jiayi_core::audit), so an edited, removed or reordered entry shows.
CREATE TABLE audit_log (
    seq     BIGINT PRIMARY KEY,   -- position in the chain
    at      TEXT NOT NULL,        -- RFC 3339, UTC
    actor   TEXT NOT NULL,        -- a device id, an admin user's name, or 'operator' (CLI)
    role    TEXT NOT NULL,        -- doctor, team-leader, admin, operator
    action  TEXT NOT NULL,        -- push, pull, reference, enroll, revoke, login, …
    origin  TEXT NOT NULL,        -- the peer address (and device), or 'cli'
    records TEXT NOT NULL,        -- ids touched, space separated: entity:uuid
    hash    BYTEA NOT NULL CHECK (length(hash) = 32)
);
CREATE INDEX audit_log_by_time ON audit_log (at);

-- The hash the first kept entry chains from: the genesis until old entries are pruned, then
-- the last pruned entry's hash.
CREATE TABLE audit_anchor (
    singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
    hash           BYTEA NOT NULL CHECK (length(hash) = 32),
    pruned_through BIGINT NOT NULL DEFAULT 0
);
INSERT INTO audit_anchor (singleton, hash) VALUES (1, decode(repeat('00', 32), 'hex'));

-- Append-only: an entry is never changed, never removed before six months, and the table is
-- never truncated.
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'the audit log is append-only';
    ELSIF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'the audit log is append-only';
    ELSIF TG_OP = 'DELETE' AND OLD.at::timestamptz > now() - interval '183 days' THEN
        RAISE EXCEPTION 'audit entries are kept at least 183 days';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER audit_log_never_updated BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_kept_six_months BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_never_truncated BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();
