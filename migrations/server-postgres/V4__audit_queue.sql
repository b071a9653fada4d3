-- Audit entries are queued here, unchained, by the request that acts, and chained onto
-- audit_log in queue order by the server's sealer a moment later: requests no longer take
-- turns on the chain's head. `jiayi-server audit verify` seals the queue first and reports
-- what is still queued.
CREATE TABLE audit_pending (
    id      BIGSERIAL PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    origin  TEXT NOT NULL,
    records TEXT NOT NULL
);

