-- The county's health-record number (健康档案编号) of each resident, and the serial range the
-- township assigned each village for numbers issued on the device. Migrations are only ever
-- added; V8 is reserved for another change and may land after this file.
--
-- A resident's number is optional. Numbers are unique among live residents: checked in the
-- transaction of every local write (a number pulled from another device is stored as it
-- comes, so one township-wide collision can never stop a sync round), and a number once
-- issued is never issued again, even after its resident is removed.
ALTER TABLE residents ADD COLUMN record_number TEXT;
CREATE INDEX residents_record_number ON residents (record_number)
    WHERE record_number IS NOT NULL;

-- One row per village the township gave a range, as the last reference download sent them.
CREATE TABLE record_ranges (
    village_id    TEXT PRIMARY KEY,
    village_code  TEXT NOT NULL,      -- 12 digits: the first twelve of the village's numbers
    first_serial  INTEGER NOT NULL CHECK (first_serial BETWEEN 1 AND 99999),
    last_serial   INTEGER NOT NULL CHECK (last_serial BETWEEN first_serial AND 99999)
);
