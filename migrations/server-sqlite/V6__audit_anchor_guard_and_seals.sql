-- The audit chain anchored outside the database. The anchor row moves only forward, by pruning,
-- to the hash of an entry still in the log (the prune moves it before removing the entries);
-- it is never removed. Seals are the points of the chain the township key file's MAC covers:
-- checkpoints (`jiayi-server audit checkpoint`) and every place a prune moved the anchor to.
-- Migrations are only ever added.
CREATE TRIGGER audit_anchor_moves_only_forward BEFORE UPDATE ON audit_anchor
WHEN NEW.singleton IS NOT OLD.singleton
  OR NEW.pruned_through <= OLD.pruned_through
  OR NEW.hash IS NOT (SELECT hash FROM audit_log WHERE seq = NEW.pruned_through)
BEGIN
    SELECT RAISE(ABORT, 'the audit anchor moves only forward, by pruning, to a kept entry');
END;

CREATE TRIGGER audit_anchor_never_removed BEFORE DELETE ON audit_anchor
BEGIN
    SELECT RAISE(ABORT, 'the audit anchor is never removed');
END;

CREATE TABLE audit_seals (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('checkpoint', 'anchor')),
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    at   TEXT NOT NULL,
    mac  BLOB NOT NULL CHECK (length(mac) = 32)
);

CREATE TRIGGER audit_seals_never_updated BEFORE UPDATE ON audit_seals
BEGIN
    SELECT RAISE(ABORT, 'audit seals are append-only');
END;

CREATE TRIGGER audit_seals_never_removed BEFORE DELETE ON audit_seals
BEGIN
    SELECT RAISE(ABORT, 'audit seals are append-only');
END;
