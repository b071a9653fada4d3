-- Who changed which field of a resident or a household, to what, and when: one row per field a
-- change named, written in the change's own transaction (a local edit) or when a pulled change
-- is applied, whether its value won the field-level merge or not. A record's creation is its
-- registration and writes no rows here; each row keeps the value it replaced on this device,
-- so the first change of a field still shows what was registered.
--
-- Values are personal data: they live here, in the encrypted store, never in the audit log,
-- which names records by id only.
CREATE TABLE field_changes (
    id           INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL CHECK (entity IN ('resident', 'household')),
    entity_id    TEXT NOT NULL,
    field        TEXT NOT NULL,
    value        TEXT NOT NULL,            -- JSON of the new value
    old_value    TEXT,                     -- JSON of the value this device held before; NULL when unknown
    hlc          TEXT NOT NULL,            -- the change's clock (its text sorts like the clock)
    device_id    TEXT NOT NULL,            -- the device that made the change
    actor        TEXT,                     -- the doctor enrolled on that device, when known
    actor_name   TEXT,                     -- their name as this device's teams gave it then
    took_effect  INTEGER NOT NULL,         -- 1 when the value became the record's (it won the merge)
    origin       TEXT NOT NULL CHECK (origin IN ('local', 'pulled')),
    recorded_at  TEXT NOT NULL,            -- when this device wrote the row (RFC 3339)
    -- Also the index a record's history is read by.
    UNIQUE (entity, entity_id, field, hlc)
);

-- Insert-only: history is never rewritten.
CREATE TRIGGER field_changes_are_written_once BEFORE UPDATE ON field_changes
BEGIN SELECT RAISE(ABORT, 'field changes are never changed'); END;
