-- The township server's schema (SQLite). Migrations are only ever added.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE doctors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id),
    UNIQUE (name, team_id)
);

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    doctor_id TEXT NOT NULL REFERENCES doctors(id),
    team_id TEXT NOT NULL REFERENCES teams(id),
    token_hash TEXT NOT NULL UNIQUE,
    enrolled_at TEXT NOT NULL,
    revoked_at TEXT,
    last_sync_at TEXT
);

CREATE TABLE device_villages (
    device_id TEXT NOT NULL REFERENCES devices(id),
    village_id TEXT NOT NULL,
    PRIMARY KEY (device_id, village_id)
);

-- The change log. `cursor` orders it for pulls; (device_id, seq) makes a push idempotent.
CREATE TABLE changes (
    cursor INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    village_id TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (device_id, seq)
);
CREATE INDEX changes_by_village ON changes (village_id, cursor);
CREATE INDEX changes_by_time ON changes (received_at);

-- The current state of each record, merged field by field.
CREATE TABLE records (
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    village_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    field_hlc TEXT NOT NULL,
    deleted_hlc TEXT,
    last_cursor INTEGER NOT NULL,
    PRIMARY KEY (entity, entity_id)
);
CREATE INDEX records_by_village ON records (village_id, entity);

-- Values that lost to newer ones, until someone settles them.
CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    village_id TEXT NOT NULL,
    field TEXT NOT NULL,
    losing_value TEXT NOT NULL,
    losing_hlc TEXT NOT NULL,
    losing_device TEXT NOT NULL,
    winning_value TEXT NOT NULL,
    winning_hlc TEXT NOT NULL,
    cursor INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    resolved_at TEXT,
    resolution TEXT
);
CREATE INDEX conflicts_open ON conflicts (resolved_at);

CREATE TABLE reference_documents (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (kind, name, version)
);
