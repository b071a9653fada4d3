-- The device's local store: reference data from the township, the households, residents,
-- contracts and visits the doctor records, and the outbox that sync pushes.
-- Ids are UUIDv7 text made on the device. Dates are ISO-8601 text. Nothing is ever hard-deleted
-- by a domain write: deletions set deleted_at and travel through the outbox as tombstones.

CREATE TABLE device (
    singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id      TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    hlc            TEXT NOT NULL,          -- last clock value issued or seen
    agreement_seq  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

CREATE TABLE villages (
    id        TEXT PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    township  TEXT NOT NULL
);
CREATE INDEX villages_name ON villages (name);

CREATE TABLE teams (
    id    TEXT PRIMARY KEY,
    name  TEXT NOT NULL,
    json  TEXT NOT NULL                    -- the whole jiayi_core::household::Team
);

CREATE TABLE team_villages (
    team_id     TEXT NOT NULL REFERENCES teams (id),
    village_id  TEXT NOT NULL REFERENCES villages (id),
    PRIMARY KEY (team_id, village_id)
);

CREATE TABLE catalogs (
    version      TEXT PRIMARY KEY,
    toml         TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    is_current   INTEGER NOT NULL DEFAULT 0
);

-- Versioned reference registers (e.g. the poverty-registered list): the app shows which it holds.
CREATE TABLE registers (
    name         TEXT NOT NULL,
    version      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    entries      TEXT NOT NULL,            -- JSON array of ID numbers
    PRIMARY KEY (name, version)
);

CREATE TABLE households (
    id             TEXT PRIMARY KEY,
    village_id     TEXT NOT NULL REFERENCES villages (id),
    grp            TEXT NOT NULL,
    address        TEXT NOT NULL,
    record_number  TEXT NOT NULL,
    hlc            TEXT NOT NULL,          -- clock of the last change
    field_hlc      TEXT NOT NULL,          -- JSON {field: clock}: field-level last writer wins
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT
);
CREATE INDEX households_village ON households (village_id);

CREATE TABLE residents (
    id                 TEXT PRIMARY KEY,
    household_id       TEXT NOT NULL REFERENCES households (id),
    name               TEXT NOT NULL,
    id_number          TEXT,
    id_number_missing  INTEGER NOT NULL,
    sex                TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    birth_date         TEXT,
    phone              TEXT,
    relation           TEXT NOT NULL,
    groups             TEXT NOT NULL,      -- JSON array of recorded group codes
    hlc                TEXT NOT NULL,
    field_hlc          TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    deleted_at         TEXT
);
CREATE INDEX residents_household ON residents (household_id);
CREATE INDEX residents_id_number ON residents (id_number);
CREATE INDEX residents_name_birth ON residents (name, birth_date);

-- Search keys: name characters and pairs, pinyin, ID number and phone digits.
CREATE TABLE search_keys (
    key          TEXT NOT NULL,
    resident_id  TEXT NOT NULL REFERENCES residents (id),
    PRIMARY KEY (key, resident_id)
) WITHOUT ROWID;
CREATE INDEX search_keys_resident ON search_keys (resident_id);

-- A signed contract is written once. Its frozen agreement (snapshot JSON and SHA-256) is never
-- updated; renewal, change of doctor and termination are rows of contract_events.
CREATE TABLE contracts (
    id                  TEXT PRIMARY KEY,
    agreement_number    TEXT NOT NULL UNIQUE,
    household_id        TEXT NOT NULL REFERENCES households (id),
    team_id             TEXT NOT NULL REFERENCES teams (id),
    doctor_id           TEXT NOT NULL,
    term_start          TEXT NOT NULL,
    term_end            TEXT NOT NULL,
    signed_at           TEXT NOT NULL,
    renews              TEXT REFERENCES contracts (id),
    json                TEXT NOT NULL,     -- jiayi_core::contract::Contract
    snapshot            TEXT NOT NULL,     -- canonical AgreementSnapshot JSON
    snapshot_sha256     TEXT NOT NULL,
    resident_signature  BLOB,              -- PNG as drawn
    doctor_signature    BLOB,
    hlc                 TEXT NOT NULL
);
CREATE INDEX contracts_household ON contracts (household_id);

CREATE TABLE contract_members (
    contract_id  TEXT NOT NULL REFERENCES contracts (id),
    resident_id  TEXT NOT NULL REFERENCES residents (id),
    packages     TEXT NOT NULL,            -- JSON array of package codes
    PRIMARY KEY (contract_id, resident_id)
);
CREATE INDEX contract_members_resident ON contract_members (resident_id);

CREATE TABLE contract_events (
    id           TEXT PRIMARY KEY,
    contract_id  TEXT NOT NULL REFERENCES contracts (id),
    at           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    json         TEXT NOT NULL,            -- jiayi_core::contract::ContractEvent
    snapshot     TEXT,                     -- termination confirmation, when there is one
    resident_signature  BLOB,
    doctor_signature    BLOB,
    hlc          TEXT NOT NULL
);
CREATE INDEX contract_events_contract ON contract_events (contract_id);

CREATE TABLE visits (
    id            TEXT PRIMARY KEY,
    resident_id   TEXT NOT NULL REFERENCES residents (id),
    contract_id   TEXT REFERENCES contracts (id),
    item_code     TEXT,
    kind          TEXT NOT NULL,
    occurred_at   TEXT NOT NULL,
    occurred_on   TEXT NOT NULL,           -- the local (China Standard Time) date
    recorded_at   TEXT NOT NULL,
    json          TEXT NOT NULL,           -- jiayi_core::visit::Visit
    hlc           TEXT NOT NULL
);
CREATE INDEX visits_contract_item ON visits (contract_id, resident_id, item_code, occurred_on);
CREATE INDEX visits_resident ON visits (resident_id, occurred_at);
CREATE INDEX visits_occurred ON visits (occurred_on);

-- What sync pushes: one row per record a write touched, in the same transaction as the write.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id    TEXT NOT NULL UNIQUE,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    op           TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    village_id   TEXT NOT NULL,
    hlc          TEXT NOT NULL,
    fields       TEXT NOT NULL,            -- JSON array of field names
    payload      TEXT NOT NULL,            -- JSON of the record after the change
    created_at   TEXT NOT NULL,
    acked_at     TEXT
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE acked_at IS NULL;
CREATE INDEX outbox_entity ON outbox (entity_id) WHERE acked_at IS NULL;

-- Changes from other devices already applied here: (device, seq) identifies a change, so a
-- batch received twice is applied once.
CREATE TABLE applied_changes (
    device_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;

CREATE TABLE sync_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Values that lost to a concurrent edit from another device: kept for the doctor to see and settle.
CREATE TABLE conflicts (
    id            TEXT PRIMARY KEY,
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    field         TEXT NOT NULL,
    kept_value    TEXT NOT NULL,           -- JSON
    lost_value    TEXT NOT NULL,           -- JSON
    kept_hlc      TEXT NOT NULL,
    lost_hlc      TEXT NOT NULL,
    detected_at   TEXT NOT NULL,
    settled_at    TEXT
);
CREATE INDEX conflicts_open ON conflicts (entity_id) WHERE settled_at IS NULL;

-- Form drafts, so that nothing typed is lost when the window closes or the app crashes.
CREATE TABLE drafts (
    form        TEXT PRIMARY KEY,
    json        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
