-- Keys that may sign reports. The secret is kept as given: an HMAC is checked with the key itself.
CREATE TABLE signing_keys (
    label       TEXT PRIMARY KEY,
    secret      TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

-- Each report's newest revision: what the DSL reads.
CREATE TABLE reports (
    id                 TEXT PRIMARY KEY,
    revision           BIGINT NOT NULL CHECK (revision > 0),
    body               TEXT NOT NULL,
    created_at         TEXT,
    first_received_at  TEXT NOT NULL,
    received_at        TEXT NOT NULL,
    signing_key        TEXT NOT NULL
);

-- Every revision the hub accepted, never changed: the record's history.
CREATE TABLE report_revisions (
    id           TEXT NOT NULL,
    revision     BIGINT NOT NULL CHECK (revision > 0),
    body         TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    signing_key  TEXT NOT NULL,
    PRIMARY KEY (id, revision)
);
