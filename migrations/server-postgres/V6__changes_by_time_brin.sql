-- The change log is only appended to, so its arrival times rise with its physical order: a
-- block-range index finds a month's changes as well as a b-tree did. The b-tree cost every
-- stored change an insert at its right-hand edge, where all concurrent pushes (stamped with the
-- same moment) met on one page; a block-range index is updated once per range of pages.
DROP INDEX changes_by_time;
CREATE INDEX changes_by_time ON changes USING brin (received_at);
