-- Each report's chronology on the hub (crates/hub/src/case.rs): notes, actions, assignment,
-- escalation, outcomes, closing and reopening. Append-only, like CPOMS: an entry is never
-- changed, and never removed while its report exists (the retention job removes a report
-- first, then its chronology).
CREATE TABLE case_entries (
    report_id  TEXT NOT NULL,
    seq        BIGINT NOT NULL CHECK (seq > 0),
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL,
    PRIMARY KEY (report_id, seq)
);

CREATE FUNCTION case_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM reports WHERE id = OLD.report_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the chronology is append-only';
END;
$$;

CREATE TRIGGER case_entries_no_change BEFORE UPDATE OR DELETE ON case_entries
    FOR EACH ROW EXECUTE FUNCTION case_entries_append_only();
