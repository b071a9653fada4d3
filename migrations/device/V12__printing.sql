-- Printing on this laptop. Both tables are the device's own, like drafts: they are never
-- synced and write no outbox rows (the audit log notes each print, by the contract's id).
--
-- printed_documents: each document handed on (sent to a printer, opened in the viewer, saved
-- elsewhere), so that a second print says 补打 with its day, and so that a contact card printed
-- before a change of doctor or team is known to be out of date: it names the card that
-- replaced it.
CREATE TABLE printed_documents (
    id             TEXT PRIMARY KEY,
    document       TEXT NOT NULL,
    -- The contract's id; an amendment's own id for an amendment.
    subject_id     TEXT NOT NULL,
    printed_at     TEXT NOT NULL,
    -- The calendar day of the print (China Standard Time), printed after 补打.
    printed_on     TEXT NOT NULL,
    reprint        INTEGER NOT NULL DEFAULT 0,
    -- Contact cards: the team and the doctor the card names.
    team_id        TEXT,
    doctor_id      TEXT,
    -- How it was handed on: printer, viewer or saved.
    handed_to      TEXT NOT NULL,
    superseded_by  TEXT REFERENCES printed_documents (id)
);
CREATE INDEX printed_documents_subject ON printed_documents (subject_id, document, printed_at);

-- print_queue: documents queued during the day ("print at the clinic"), printed together or
-- one by one once a printer is there.
CREATE TABLE print_queue (
    id          TEXT PRIMARY KEY,
    document    TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    queued_at   TEXT NOT NULL,
    printed_at  TEXT,
    printed_id  TEXT REFERENCES printed_documents (id)
);
CREATE INDEX print_queue_waiting ON print_queue (printed_at, queued_at);
