-- selftest (SQLite): the filter check log for the annual review (docs/hub.md, "The filter check
-- log"). One row per check a device ran (its `filter-check` event), kept after the event itself
-- is deleted by retention: the log names no pupil, and the DfE asks for it to be reviewed yearly.

CREATE TABLE filter_checks (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    device             TEXT NOT NULL,
    event_id           TEXT NOT NULL,
    checked_at         TEXT NOT NULL,
    trigger_kind       TEXT NOT NULL,
    checked_by         TEXT NOT NULL,
    group_name         TEXT NOT NULL,
    passed             INTEGER NOT NULL,
    results            TEXT NOT NULL,
    lists_version      TEXT NOT NULL,
    extension_version  TEXT NOT NULL,
    received_at        TEXT NOT NULL,
    UNIQUE (device, event_id)
);
CREATE INDEX filter_checks_at ON filter_checks (checked_at, id);
CREATE INDEX filter_checks_device ON filter_checks (device, checked_at, id);

-- "Actions taken": notes the IT lead or the DSL add to a check. Append-only: a note is never
-- changed or removed, a correction is another note.
CREATE TABLE filter_check_actions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    check_id   INTEGER NOT NULL REFERENCES filter_checks (id),
    note       TEXT NOT NULL,
    added_by   TEXT NOT NULL,
    added_at   TEXT NOT NULL
);
CREATE INDEX filter_check_actions_check ON filter_check_actions (check_id, id);

CREATE TRIGGER filter_check_actions_no_update BEFORE UPDATE ON filter_check_actions
BEGIN
    SELECT RAISE(ABORT, 'actions taken are append-only');
END;

CREATE TRIGGER filter_check_actions_no_delete BEFORE DELETE ON filter_check_actions
BEGIN
    SELECT RAISE(ABORT, 'actions taken are append-only');
END;
