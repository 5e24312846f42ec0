-- Each report's chronology on the hub (crates/hub/src/case.rs): notes, actions, assignment,
-- escalation, outcomes, closing and reopening. Append-only, like CPOMS: an entry is never
-- changed, and never removed while its report exists (the retention job removes a report
-- first, then its chronology).
CREATE TABLE case_entries (
    report_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL CHECK (seq > 0),
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL,
    PRIMARY KEY (report_id, seq)
);

CREATE TRIGGER case_entries_no_update BEFORE UPDATE ON case_entries
BEGIN
    SELECT RAISE(ABORT, 'the chronology is append-only');
END;

CREATE TRIGGER case_entries_no_delete BEFORE DELETE ON case_entries
WHEN EXISTS (SELECT 1 FROM reports WHERE id = OLD.report_id)
BEGIN
    SELECT RAISE(ABORT, 'the chronology is append-only');
END;
