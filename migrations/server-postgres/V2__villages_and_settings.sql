-- Village names for the dashboard and enrollment, and township settings such as the
-- indicator targets. Migrations are only ever added.

CREATE TABLE villages (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    township TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
