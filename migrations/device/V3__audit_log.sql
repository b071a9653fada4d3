-- The device's audit log: who read or changed which record, from this device, when. Entries
-- name records by id only (no names, ID numbers or vitals). Each entry's hash covers the
-- previous entry's hash and its own fields (jiayi_core::audit), so an edited, removed or
-- reordered entry breaks the chain from there on.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,     -- position in the chain
    at         TEXT NOT NULL,           -- RFC 3339
    actor      TEXT NOT NULL,           -- the doctor bound to the device, or 'local'
    device_id  TEXT NOT NULL,
    action     TEXT NOT NULL,           -- read, write, delete, print, export, import
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    hash       BLOB NOT NULL CHECK (length(hash) = 32)
);

-- The hash the first kept entry chains from: the genesis (32 zero bytes) until entries older
-- than the retention period are pruned, then the last pruned entry's hash.
CREATE TABLE audit_anchor (
    singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
    hash           BLOB NOT NULL CHECK (length(hash) = 32),
    pruned_through INTEGER NOT NULL DEFAULT 0
);
INSERT INTO audit_anchor (singleton, hash) VALUES (1, zeroblob(32));

-- Append-only: an entry is never changed, and never removed before six months.
CREATE TRIGGER audit_log_never_updated BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_kept_six_months BEFORE DELETE ON audit_log
WHEN julianday(OLD.at) > julianday('now') - 183
BEGIN
    SELECT RAISE(ABORT, 'audit entries are kept at least 183 days');
END;
