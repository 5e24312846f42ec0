-- evhub (PostgreSQL): monitoring events from the Chromebooks (docs/events.md). A batch is stored
-- once (its id is the key), with its events and the device's latest state, in one transaction.

-- Every batch the hub has stored: what makes a retried batch answer 200 and change nothing.
CREATE TABLE event_batches (
    batch        TEXT PRIMARY KEY,
    device       TEXT NOT NULL,
    signing_key  TEXT NOT NULL,
    sent_at      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    events       BIGINT NOT NULL
);
CREATE INDEX event_batches_received ON event_batches (received_at);

-- One row per event. The columns the DSL filters by are copied out of the event's JSON (`body`,
-- kept as sent); `at` is the device's time normalised to UTC, so text order is time order.
CREATE TABLE events (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device       TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    batch        TEXT NOT NULL,
    at           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    username     TEXT,
    group_name   TEXT NOT NULL,
    category     TEXT,
    alert        TEXT,
    host         TEXT,
    report_id    TEXT,
    body         TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    UNIQUE (device, event_id)
);
CREATE INDEX events_at ON events (at, seq);
CREATE INDEX events_kind_at ON events (kind, at);
CREATE INDEX events_user_at ON events (username, at);
CREATE INDEX events_device_at ON events (device, at);
CREATE INDEX events_group_at ON events (group_name, at);
CREATE INDEX events_category_at ON events (category, at);
CREATE INDEX events_report ON events (report_id);

-- Each device's latest state, for the IT lead: who last used it, its version, when the hub last
-- heard from it, its last heartbeat, and since when it has been flagged as gone silent.
CREATE TABLE devices (
    device             TEXT PRIMARY KEY,
    username           TEXT,
    group_name         TEXT NOT NULL,
    extension_version  TEXT NOT NULL,
    first_seen_at      TEXT NOT NULL,
    last_seen_at       TEXT NOT NULL,
    last_event_at      TEXT,
    heartbeat_state    TEXT,
    heartbeat_at       TEXT,
    silent_since       TEXT
);
CREATE INDEX devices_heartbeat ON devices (heartbeat_state, last_seen_at);

-- Alerts: when the DSL was told, and what the DSL made of one (a safeguarding record).
CREATE TABLE event_alerts (
    event_seq    BIGINT PRIMARY KEY,
    case_id      TEXT,
    opened_by    TEXT,
    opened_at    TEXT
);
