-- The device side of sync: the enrollment the device holds, the server's refusals kept for the
-- doctor to read and settle, and which version of each township reference document the device
-- holds.

-- What the device was enrolled for at the health center. One row at most; forgetting the
-- enrollment deletes it (the outbox and the records stay).
CREATE TABLE enrollment (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    server_url   TEXT NOT NULL,
    token        TEXT NOT NULL,            -- the bearer token printed once at enrollment
    device_id    TEXT NOT NULL,            -- as the server knows it: must equal device.device_id
    doctor_id    TEXT NOT NULL,
    team_id      TEXT NOT NULL,
    villages     TEXT NOT NULL,            -- JSON array of village ids the device may write
    server_epoch TEXT NOT NULL,            -- epoch seen when enrolling
    high_water   INTEGER NOT NULL,         -- server log high-water mark seen when enrolling
    enrolled_at  TEXT NOT NULL
);

-- Changes the server refused, with its reason in both languages: never dropped silently.
CREATE TABLE refusals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    seq          INTEGER NOT NULL UNIQUE,  -- the outbox sequence the refused change carried
    change_id    TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    village_id   TEXT NOT NULL,
    code         TEXT NOT NULL,
    message_zh   TEXT NOT NULL,
    message_en   TEXT NOT NULL,
    refused_at   TEXT NOT NULL,
    read_at      TEXT,
    settled_at   TEXT
);
CREATE INDEX refusals_open ON refusals (id) WHERE settled_at IS NULL;

-- Refusals kept by earlier versions as sync-state keys `rejected:<seq>` move into the table.
INSERT OR IGNORE INTO refusals (seq, change_id, entity, entity_id, village_id, code, message_zh,
                                message_en, refused_at)
SELECT CAST(substr(s.key, 10) AS INTEGER),
       COALESCE(o.change_id, ''),
       COALESCE(json_extract(s.value, '$.entity'), ''),
       COALESCE(json_extract(s.value, '$.entity_id'), ''),
       COALESCE(json_extract(s.value, '$.village_id'), ''),
       COALESCE(json_extract(s.value, '$.reason.code'), ''),
       COALESCE(json_extract(s.value, '$.reason.message_zh'), ''),
       COALESCE(json_extract(s.value, '$.reason.message_en'), ''),
       COALESCE(o.acked_at, o.created_at, '')
FROM sync_state s LEFT JOIN outbox o ON o.seq = CAST(substr(s.key, 10) AS INTEGER)
WHERE s.key LIKE 'rejected:%' AND json_valid(s.value);
DELETE FROM sync_state WHERE key LIKE 'rejected:%';

-- The version of each township reference document last applied on this device.
CREATE TABLE reference_versions (
    kind          TEXT NOT NULL,           -- catalog | term_policy | register | teams
    name          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    published_at  TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    PRIMARY KEY (kind, name)
);
