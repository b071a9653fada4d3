-- A household's year: population groups with their dates, residents joining and leaving
-- households, and amendments to signed contracts. Membership events and amendments are written
-- once and never changed; a group period is written once and later only given its end.

CREATE TABLE group_periods (
    id           TEXT PRIMARY KEY,
    resident_id  TEXT NOT NULL REFERENCES residents (id),
    grp          TEXT NOT NULL,            -- PopulationGroup code
    start_on     TEXT NOT NULL,
    end_on       TEXT,                     -- last day in force (inclusive)
    json         TEXT NOT NULL,            -- jiayi_core::year::groups::GroupPeriod
    hlc          TEXT NOT NULL,            -- clock of its creation
    field_hlc    TEXT NOT NULL,            -- JSON {field: clock} of fields changed since
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX group_periods_resident ON group_periods (resident_id, start_on);

CREATE TABLE membership_events (
    id            TEXT PRIMARY KEY,
    resident_id   TEXT NOT NULL REFERENCES residents (id),
    household_id  TEXT NOT NULL REFERENCES households (id),
    effective_on  TEXT NOT NULL,
    change        TEXT NOT NULL CHECK (change IN ('joined', 'left')),
    json          TEXT NOT NULL,           -- jiayi_core::year::membership::MembershipEvent
    hlc           TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX membership_events_resident ON membership_events (resident_id, effective_on);
CREATE INDEX membership_events_household ON membership_events (household_id, effective_on);

CREATE TABLE contract_amendments (
    id                  TEXT PRIMARY KEY,
    contract_id         TEXT NOT NULL REFERENCES contracts (id),
    resident_id         TEXT NOT NULL,
    effective_on        TEXT NOT NULL,
    kind                TEXT NOT NULL,
    json                TEXT NOT NULL,     -- jiayi_core::year::amendment::Amendment
    snapshot            TEXT NOT NULL,     -- canonical AmendmentSnapshot JSON
    snapshot_sha256     TEXT NOT NULL,
    resident_signature  BLOB,
    doctor_signature    BLOB,
    hlc                 TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX contract_amendments_contract ON contract_amendments (contract_id, effective_on);
CREATE INDEX contract_amendments_resident ON contract_amendments (resident_id);

-- The indicators read these too: every write moves the part it belongs to.
CREATE TRIGGER group_periods_insert_moves_people AFTER INSERT ON group_periods
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'people'; END;
CREATE TRIGGER group_periods_update_moves_people AFTER UPDATE ON group_periods
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'people'; END;
CREATE TRIGGER membership_events_insert_moves_people AFTER INSERT ON membership_events
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'people'; END;
CREATE TRIGGER contract_amendments_insert_moves_contracts AFTER INSERT ON contract_amendments
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'contracts'; END;

-- Written once: like signed contracts, never updated nor deleted.
CREATE TRIGGER membership_events_are_written_once BEFORE UPDATE ON membership_events
BEGIN SELECT RAISE(ABORT, 'membership events are never changed'); END;
CREATE TRIGGER contract_amendments_are_written_once BEFORE UPDATE ON contract_amendments
BEGIN SELECT RAISE(ABORT, 'amendments are never changed'); END;
