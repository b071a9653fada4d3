-- The monthly audit's verdicts: an administrator marks a received record checked, or flags it
-- for its doctor with a note. Rows are only added: the latest row of a record is its state and
-- the earlier ones are its review history. Migrations are only ever added.
CREATE TABLE record_reviews (
    id        BIGSERIAL PRIMARY KEY,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    verdict   TEXT NOT NULL CHECK (verdict IN ('checked', 'flagged')),
    note      TEXT NOT NULL,
    reviewer  TEXT NOT NULL,
    at        TEXT NOT NULL
);
CREATE INDEX record_reviews_by_record ON record_reviews (entity, entity_id, id);

-- A record's page lists every change received for it.
CREATE INDEX changes_by_record ON changes (entity, entity_id, cursor);
