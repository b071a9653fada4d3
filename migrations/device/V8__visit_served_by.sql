-- Who served at a visit, and how: the team member who delivered the service (doctor, nurse,
-- public-health worker) and the mode (home, clinic, phone), kept beside the payload so reports
-- count services per person and face-to-face follow-ups without reading every payload.
-- Earlier versions stored the person as `doctor_id` in the payload (the demo filled it, the app
-- left it empty); a visit without it counts for the contract's doctor of the day.
ALTER TABLE visits ADD COLUMN mode TEXT;
ALTER TABLE visits ADD COLUMN served_by TEXT;
UPDATE visits SET mode = json_extract(json, '$.mode'),
                  served_by = COALESCE(json_extract(json, '$.served_by'), json_extract(json, '$.doctor_id'));
CREATE INDEX visits_served_by ON visits (served_by, occurred_on);
