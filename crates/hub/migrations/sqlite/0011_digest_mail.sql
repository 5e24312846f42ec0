-- digest (sqlite): e-mails sent once per period, alerts the DSL dismissed, and the school's list of
-- the devices it expects to hear from (docs/hub.md, "Monitoring events").

-- One row per scheduled e-mail sent: `weekly:2026-W49`, `monthly:2026-11`. The first hub to
-- insert the row sends the e-mail; every other hub on the database finds it and sends nothing.
CREATE TABLE digest_mail_sent (
    period      TEXT PRIMARY KEY,
    sent_by     TEXT NOT NULL,
    claimed_at  TEXT NOT NULL
);

-- A search alert the DSL looked at and decided needs no record: it leaves the top of the inbox.
CREATE TABLE alert_dismissals (
    event_seq     INTEGER PRIMARY KEY,
    dismissed_by  TEXT NOT NULL,
    dismissed_at  TEXT NOT NULL,
    reason        TEXT NOT NULL
);

-- The devices the school expects to hear from (the IT lead's upload from the Admin console's
-- device export): a listed device never heard from, or not for 7 days, is flagged.
CREATE TABLE expected_devices (
    device       TEXT PRIMARY KEY,
    label        TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL
);
