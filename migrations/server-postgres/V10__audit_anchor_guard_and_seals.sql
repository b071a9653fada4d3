-- The audit chain anchored outside the database. The anchor row moves only forward, by pruning,
-- to the hash of an entry still in the log (the prune moves it before removing the entries);
-- it is never removed or truncated. Seals are the points of the chain the township key file's
-- MAC covers: checkpoints (`jiayi-server audit checkpoint`) and every place a prune moved the
-- anchor to. Migrations are only ever added.
CREATE FUNCTION audit_anchor_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.singleton = OLD.singleton
           AND NEW.pruned_through > OLD.pruned_through
           AND NEW.hash = (SELECT hash FROM audit_log WHERE seq = NEW.pruned_through) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit anchor moves only forward, by pruning, to a kept entry';
END;
$$;

CREATE TRIGGER audit_anchor_guarded BEFORE UPDATE OR DELETE ON audit_anchor
    FOR EACH ROW EXECUTE FUNCTION audit_anchor_guard();
CREATE TRIGGER audit_anchor_not_truncated BEFORE TRUNCATE ON audit_anchor
    FOR EACH STATEMENT EXECUTE FUNCTION audit_anchor_guard();

CREATE TABLE audit_seals (
    id   BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('checkpoint', 'anchor')),
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL CHECK (length(hash) = 32),
    at   TEXT NOT NULL,
    mac  BYTEA NOT NULL CHECK (length(mac) = 32)
);

CREATE FUNCTION audit_seals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit seals are append-only';
END;
$$;

CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION audit_seals_guard();
CREATE TRIGGER audit_seals_not_truncated BEFORE TRUNCATE ON audit_seals
    FOR EACH STATEMENT EXECUTE FUNCTION audit_seals_guard();
