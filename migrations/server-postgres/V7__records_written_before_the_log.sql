-- A push writes its records and conflicts before it takes its turn on the change log, so that
-- the turn, which every concurrent push waits for, covers only the log's own insert and the
-- commit. The cursor of the change that last wrote a record, or that lost a conflict, is not
-- known yet at that point: these two columns are no longer filled (earlier rows keep theirs).
-- Nothing read them; the change log itself says which change wrote a record, and when.
ALTER TABLE records ALTER COLUMN last_cursor DROP NOT NULL;
ALTER TABLE conflicts ALTER COLUMN cursor DROP NOT NULL;
