-- A device enrolled by the 登记码 its doctor read out, before the laptop first connected: the
-- server made a placeholder id for it, and the first request that shows the token binds the
-- code to the laptop's own id (the code must name that id). Migrations are only ever added.
CREATE TABLE awaiting_devices (
    placeholder_id TEXT PRIMARY KEY REFERENCES devices(id),
    code           TEXT NOT NULL UNIQUE
);
