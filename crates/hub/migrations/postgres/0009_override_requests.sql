-- ask: "Ask my teacher" (docs/requests.md). A pupil's request to open a blocked page, sent by the
-- device (signed like events), and the teacher's answer: who asked (device, account, group,
-- organisational unit), who approved or declined, the scope, when it starts and when it ends.
-- A request is stored once (its id, made on the device, is the key); it is answered at most once.
CREATE TABLE override_requests (
    id           TEXT PRIMARY KEY,
    device       TEXT NOT NULL,
    username     TEXT,
    group_name   TEXT NOT NULL,
    org_unit     TEXT,
    url          TEXT NOT NULL,
    site         TEXT NOT NULL,
    category     TEXT,
    rule         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    asked_at     TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    signing_key  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'approved', 'declined')),
    decided_by   TEXT,
    decided_at   TEXT,
    scope        TEXT CHECK (scope IS NULL OR scope IN ('pupil', 'group', 'org-unit')),
    starts_at    TEXT,
    ends_at      TEXT,
    note         TEXT
);
CREATE INDEX override_requests_open ON override_requests (status, received_at);
CREATE INDEX override_requests_device ON override_requests (device, received_at);
CREATE INDEX override_requests_ends ON override_requests (status, ends_at);

-- The classes or groups a teacher answers requests for (the DSL sets them on the accounts page).
CREATE TABLE teacher_groups (
    username    TEXT NOT NULL,
    group_name  TEXT NOT NULL,
    PRIMARY KEY (username, group_name)
);
