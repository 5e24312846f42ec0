-- The inbox, a page at a time (crates/hub/src/store/inbox.rs): each report's row keeps a summary
-- of what the inbox shows, so a page is one indexed query that never reads a body. The body's
-- half is written by each newer revision; the case's half by the transaction that appends a case
-- entry (the chronology stays append-only). Existing rows are filled in below, from their
-- bodies and chronologies, with the same rules as crates/hub/src/case.rs. BIGINT 0/1 rather
-- than BOOLEAN, so both back ends share one body of SQL.
ALTER TABLE reports
    ADD COLUMN sort_at TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN csam BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN escalated_on_device BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN school_name TEXT NOT NULL DEFAULT '',
    ADD COLUMN group_label TEXT NOT NULL DEFAULT '',
    ADD COLUMN page_url TEXT NOT NULL DEFAULT '',
    ADD COLUMN adult_recorded BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN case_entries BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN assigned_to TEXT,
    ADD COLUMN escalated_on_hub BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN closed BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN inbox_rank BIGINT NOT NULL DEFAULT 1;

-- What the body says (case::ReportFacts). `json`, not `jsonb`: it takes every body the hub
-- accepted as it is.
UPDATE reports SET
    sort_at = COALESCE(created_at, first_received_at),
    csam = (((json_typeof(b.j #> '{adult,suspectedCsam}') = 'boolean' AND b.j #>> '{adult,suspectedCsam}' = 'true')
        OR (json_typeof(b.j #> '{page,details}') = 'string' AND b.j #>> '{page,details}' = 'not-kept')
        OR CASE WHEN json_typeof(b.j -> 'timeline') = 'array' THEN EXISTS (
            SELECT 1 FROM json_array_elements(b.j -> 'timeline') AS e(v)
            WHERE CASE WHEN json_typeof(e.v) = 'object' THEN e.v ->> 'event' END = 'csam-url-only'
              AND json_typeof(e.v -> 'event') = 'string') ELSE false END
    ) IS TRUE)::int,
    escalated_on_device = ((json_typeof(b.j #> '{adult,escalateToDsl}') = 'boolean' AND b.j #>> '{adult,escalateToDsl}' = 'true') IS TRUE)::int,
    school_name = CASE WHEN json_typeof(b.j #> '{school,name}') = 'string' THEN b.j #>> '{school,name}' ELSE '' END,
    group_label = CASE WHEN json_typeof(b.j #> '{pupil,groupLabel}') = 'string' THEN b.j #>> '{pupil,groupLabel}' ELSE '' END,
    page_url = CASE WHEN json_typeof(b.j #> '{page,url}') = 'string' THEN b.j #>> '{page,url}' ELSE '' END,
    adult_recorded = ((json_typeof(b.j -> 'adult') = 'object') IS TRUE)::int
FROM (SELECT id, body::json AS j FROM reports) AS b
WHERE b.id = reports.id;

-- What the case says (case::CaseState): the latest assign, any escalate, the latest close or reopen.
UPDATE reports SET
    case_entries = (SELECT COUNT(*) FROM case_entries c WHERE c.report_id = reports.id),
    assigned_to = (SELECT c.detail FROM case_entries c WHERE c.report_id = reports.id AND c.kind = 'assign' ORDER BY c.seq DESC LIMIT 1),
    escalated_on_hub = (EXISTS (SELECT 1 FROM case_entries c WHERE c.report_id = reports.id AND c.kind = 'escalate'))::int,
    closed = COALESCE((SELECT (c.kind = 'close')::int FROM case_entries c WHERE c.report_id = reports.id AND c.kind IN ('close', 'reopen') ORDER BY c.seq DESC LIMIT 1), 0);

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
