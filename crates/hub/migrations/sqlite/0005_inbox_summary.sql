-- The inbox, a page at a time (crates/hub/src/store/inbox.rs): each report's row keeps a summary
-- of what the inbox shows, so a page is one indexed query that never reads a body. The body's
-- half is written by each newer revision; the case's half by the transaction that appends a case
-- entry (the chronology stays append-only). Existing rows are filled in below, from their
-- bodies and chronologies, with the same rules as crates/hub/src/case.rs.
ALTER TABLE reports ADD COLUMN sort_at TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN csam INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN escalated_on_device INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN school_name TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN group_label TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN page_url TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN adult_recorded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN case_entries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN assigned_to TEXT;
ALTER TABLE reports ADD COLUMN escalated_on_hub INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN inbox_rank INTEGER NOT NULL DEFAULT 1;

-- What the body says (case::ReportFacts).
UPDATE reports SET
    sort_at = COALESCE(created_at, first_received_at),
    csam = (
        json_type(body, '$.adult.suspectedCsam') IS 'true'
        OR (json_type(body, '$.page.details') IS 'text' AND json_extract(body, '$.page.details') = 'not-kept')
        OR (json_type(body, '$.timeline') IS 'array' AND EXISTS (
            SELECT 1 FROM json_each(body, '$.timeline') AS e
            WHERE CASE WHEN e.type = 'object' THEN json_extract(e.value, '$.event') END = 'csam-url-only'))
    ),
    escalated_on_device = (json_type(body, '$.adult.escalateToDsl') IS 'true'),
    school_name = CASE WHEN json_type(body, '$.school.name') IS 'text' THEN json_extract(body, '$.school.name') ELSE '' END,
    group_label = CASE WHEN json_type(body, '$.pupil.groupLabel') IS 'text' THEN json_extract(body, '$.pupil.groupLabel') ELSE '' END,
    page_url = CASE WHEN json_type(body, '$.page.url') IS 'text' THEN json_extract(body, '$.page.url') ELSE '' END,
    adult_recorded = (json_type(body, '$.adult') IS 'object');

-- What the case says (case::CaseState): the latest assign, any escalate, the latest close or reopen.
UPDATE reports SET
    case_entries = (SELECT COUNT(*) FROM case_entries c WHERE c.report_id = reports.id),
    assigned_to = (SELECT c.detail FROM case_entries c WHERE c.report_id = reports.id AND c.kind = 'assign' ORDER BY c.seq DESC LIMIT 1),
    escalated_on_hub = EXISTS (SELECT 1 FROM case_entries c WHERE c.report_id = reports.id AND c.kind = 'escalate'),
    closed = COALESCE((SELECT c.kind = 'close' FROM case_entries c WHERE c.report_id = reports.id AND c.kind IN ('close', 'reopen') ORDER BY c.seq DESC LIMIT 1), 0);

-- case::inbox_rank.
UPDATE reports SET inbox_rank = CASE
    WHEN (csam = 1 OR escalated_on_device = 1 OR escalated_on_hub = 1) AND closed = 0 THEN 0
    WHEN case_entries = 0 THEN 1
    WHEN closed = 0 THEN 2
    ELSE 3 END;

-- The inbox's order, and a safeguarding reader's inbox (only reports assigned to someone).
CREATE INDEX reports_inbox ON reports (inbox_rank, sort_at DESC, first_received_at, id);
CREATE INDEX reports_inbox_assigned ON reports (assigned_to, inbox_rank, sort_at DESC, first_received_at, id)
    WHERE assigned_to IS NOT NULL;
