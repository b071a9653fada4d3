-- What the indicators are computed from, in four parts, each with a version that every write
-- to its tables moves (whichever connection writes: the app, sync, an import). A report made
-- after a write reads again only the part that changed. Visits are only ever inserted, so an
-- insert does not move their version: new visits are read by rowid; an update or a deletion
-- (repairs only) moves it and the visits are read again whole.
CREATE TABLE data_versions (
    part    TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO data_versions (part) VALUES ('reference'), ('people'), ('contracts'), ('visits');

CREATE TRIGGER villages_insert_moves_reference AFTER INSERT ON villages
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'reference'; END;
CREATE TRIGGER villages_update_moves_reference AFTER UPDATE ON villages
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'reference'; END;
CREATE TRIGGER villages_delete_moves_reference AFTER DELETE ON villages
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'reference'; END;
CREATE TRIGGER teams_insert_moves_reference AFTER INSERT ON teams
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'reference'; END;
CREATE TRIGGER teams_update_moves_reference AFTER UPDATE ON teams
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'reference'; END;
CREATE TRIGGER teams_delete_moves_reference AFTER DELETE ON teams
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'reference'; END;
CREATE TRIGGER team_villages_insert_moves_reference AFTER INSERT ON team_villages
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'reference'; END;
CREATE TRIGGER team_villages_update_moves_reference AFTER UPDATE ON team_villages
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'reference'; END;
CREATE TRIGGER team_villages_delete_moves_reference AFTER DELETE ON team_villages
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'reference'; END;
CREATE TRIGGER catalogs_insert_moves_reference AFTER INSERT ON catalogs
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'reference'; END;
CREATE TRIGGER catalogs_update_moves_reference AFTER UPDATE ON catalogs
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'reference'; END;
CREATE TRIGGER catalogs_delete_moves_reference AFTER DELETE ON catalogs
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'reference'; END;

CREATE TRIGGER households_insert_moves_people AFTER INSERT ON households
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'people'; END;
CREATE TRIGGER households_update_moves_people AFTER UPDATE ON households
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'people'; END;
CREATE TRIGGER households_delete_moves_people AFTER DELETE ON households
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'people'; END;
CREATE TRIGGER residents_insert_moves_people AFTER INSERT ON residents
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'people'; END;
CREATE TRIGGER residents_update_moves_people AFTER UPDATE ON residents
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'people'; END;
CREATE TRIGGER residents_delete_moves_people AFTER DELETE ON residents
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'people'; END;

CREATE TRIGGER contracts_insert_moves_contracts AFTER INSERT ON contracts
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'contracts'; END;
CREATE TRIGGER contracts_update_moves_contracts AFTER UPDATE ON contracts
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'contracts'; END;
CREATE TRIGGER contracts_delete_moves_contracts AFTER DELETE ON contracts
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'contracts'; END;
CREATE TRIGGER contract_members_insert_moves_contracts AFTER INSERT ON contract_members
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'contracts'; END;
CREATE TRIGGER contract_members_update_moves_contracts AFTER UPDATE ON contract_members
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'contracts'; END;
CREATE TRIGGER contract_members_delete_moves_contracts AFTER DELETE ON contract_members
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'contracts'; END;
CREATE TRIGGER contract_events_insert_moves_contracts AFTER INSERT ON contract_events
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'contracts'; END;
CREATE TRIGGER contract_events_update_moves_contracts AFTER UPDATE ON contract_events
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'contracts'; END;
CREATE TRIGGER contract_events_delete_moves_contracts AFTER DELETE ON contract_events
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'contracts'; END;

CREATE TRIGGER visits_update_moves_visits AFTER UPDATE ON visits
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'visits'; END;
CREATE TRIGGER visits_delete_moves_visits AFTER DELETE ON visits
BEGIN UPDATE data_versions SET version = version + 1 WHERE part = 'visits'; END;
