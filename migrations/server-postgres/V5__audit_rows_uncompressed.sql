-- A push's audit entry names every record it touched (about 45 bytes each), so an entry of a
-- 50-change batch passes the 2 kB at which PostgreSQL compresses a row, and compressing it cost
-- more than writing it. Rows up to 8 kB (about 180 records) are now stored as they are;
-- larger ones are still compressed.
ALTER TABLE audit_pending SET (toast_tuple_target = 8160);
ALTER TABLE audit_log SET (toast_tuple_target = 8160);
