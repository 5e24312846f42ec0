//! The inbox a page at a time (hubperf), on both back ends: pages of at most `INBOX_PAGE_SIZE`
//! in exactly the order the inbox had when it listed everything (`case::inbox_order`, the
//! reference here), flagged reports first across pages, "older" links that reach every report
//! once, a safeguarding reader who sees only the reports assigned to them on every page, the
//! summary kept right after every case action and every newer revision, and migration 5 filling
//! the summary in for reports stored before it.

use std::collections::HashSet;

use schoolgate_hub::accounts;
use schoolgate_hub::case::{self, CaseEntry, CaseState, InboxRow, ReportFacts};
use schoolgate_hub::config::DatabaseLocation;
use schoolgate_hub::roles::ReportScope;
use schoolgate_hub::store::{
    AccountAdmin, AccountLink, AnyStore, InboxCursor, InboxStore, InboxSummary, LinkPurpose,
    NewReport, Store, INBOX_PAGE_SIZE,
};

use crate::on_both_backends;
use crate::support::{http, report_body, report_id, InProcessHub, TestDb};
use crate::web::{dsl_session, raw_sql, sign_in, PASSWORD};

on_both_backends!(
    the_inbox_pages_in_its_order_with_flagged_reports_first,
    a_reader_sees_only_assigned_reports_on_every_page,
    the_summary_follows_every_case_action_and_revision,
    migration_5_fills_in_the_summary_of_reports_already_stored,
    a_backup_keeps_the_inbox_summary,
    exports_are_sent_a_page_at_a_time_and_whole,
);

/// Report `n`'s body: pressed on one of 13 days (ten reports a day, so press times tie across
/// page boundaries), some suspected CSAM or escalated on the device, some without `createdAt`.
fn body(n: usize, revision: u64) -> String {
    let id = report_id(n);
    let mut body: serde_json::Value =
        serde_json::from_str(&report_body(&id, revision)).expect("json");
    body["createdAt"] = format!("2026-11-{:02}T09:00:00.000Z", 1 + n / 10).into();
    if n % 29 == 3 {
        body.as_object_mut().expect("object").remove("createdAt");
    }
    if n % 17 == 0 {
        body["adult"] = serde_json::json!({ "suspectedCsam": true, "escalateToDsl": false });
    } else if n % 23 == 5 {
        body["adult"] = serde_json::json!({ "suspectedCsam": false, "escalateToDsl": true });
    } else if n % 31 == 7 {
        body["timeline"] =
            serde_json::json!([{ "at": "x", "event": "csam-url-only", "detail": "" }]);
    }
    body["page"]["url"] = format!("https://site-{n}.example/").into();
    body.to_string()
}

/// Stores report `n` (revision 1) as if it arrived at second `n` of the day.
async fn store_report(store: &AnyStore, n: usize, revision: u64) {
    let body = body(n, revision);
    let created_at = serde_json::from_str::<serde_json::Value>(&body).expect("json")["createdAt"]
        .as_str()
        .map(str::to_owned);
    store
        .ingest(&NewReport {
            id: report_id(n),
            revision: revision as i64,
            body,
            created_at,
            signing_key: "test".into(),
            received_at: format!("2026-12-01T00:{:02}:{:02}.000Z", n / 60, n % 60),
        })
        .await
        .expect("ingest");
}

/// Some work on some cases: notes (no longer new), outcomes and closes, escalations on the hub.
async fn work_cases(store: &AnyStore, count: usize) {
    for n in 0..count {
        let id = report_id(n);
        let mut entries: Vec<(&str, &str)> = Vec::new();
        if n % 7 == 1 {
            entries.push(("note", "looked at it"));
        }
        if n % 11 == 2 || n % 34 == 0 {
            entries.extend([("outcome", "pupil-supported"), ("close", "")]);
        }
        if n % 13 == 4 {
            entries.push(("escalate", "needs the DSL"));
        }
        for (kind, detail) in entries {
            store
                .add_case_entry(&id, "dsl", kind, detail)
                .await
                .expect("entry");
        }
    }
}

/// The inbox's order as it was when it listed every report: every report and chronology read,
/// sorted by `case::inbox_order`; only the reports `reader` may read, if given.
async fn reference_order(store: &AnyStore, reader: Option<&str>) -> Vec<String> {
    let reports = store.reports().await.expect("reports");
    let entries = store.all_case_entries().await.expect("entries");
    let mut rows: Vec<InboxRow<'_>> = reports
        .iter()
        .map(|report| {
            let mine: Vec<&CaseEntry> = entries
                .iter()
                .filter(|e| e.report_id == report.id)
                .collect();
            let state = CaseState::from_entries(mine);
            let body: serde_json::Value = serde_json::from_str(&report.body).expect("json");
            let csam = case::suspected_csam(&body);
            let escalated = state.escalated || case::escalated_on_device(&body);
            InboxRow {
                report,
                body,
                state,
                csam,
                escalated,
            }
        })
        .filter(|row| reader.is_none_or(|me| row.state.assigned_to.as_deref() == Some(me)))
        .collect();
    case::inbox_order(&mut rows);
    rows.iter().map(|row| row.report.id.clone()).collect()
}

/// The report ids on an inbox page, in order.
fn ids_on(page: &str) -> Vec<String> {
    page.split("href=\"/reports/")
        .skip(1)
        .map(|rest| rest.split('"').next().expect("id").to_owned())
        // The inbox's own link to the monthly usage report is not a report.
        .filter(|id| id != "monthly")
        .collect()
}

/// The "older" link on an inbox page, unescaped.
fn older_link(page: &str) -> Option<String> {
    let before = page.find("rel=\"next\"")?;
    let href = page[..before].rfind("href=\"")? + 6;
    Some(
        page[href..]
            .split('"')
            .next()?
            .replace("&amp;", "&")
            .replace("&quot;", "\""),
    )
}

/// Follows the inbox's "older" links from the first page to the last; every page's ids.
async fn walk_inbox(hub: &InProcessHub, cookie: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut next = Some("/inbox".to_owned());
    while let Some(path) = next {
        let page = http::get_with(hub.addr, &path, &[("Cookie", cookie)]).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        pages.push(ids_on(&page.body));
        next = older_link(&page.body);
        assert!(pages.len() < 100, "the older links go round in circles");
    }
    pages
}

/// Every report `scope` may read, through the store's pages of `size`.
async fn walk_store(store: &AnyStore, scope: ReportScope<'_>, size: usize) -> Vec<InboxSummary> {
    let mut all: Vec<InboxSummary> = Vec::new();
    let mut after: Option<InboxCursor> = None;
    loop {
        let page = store
            .inbox_page(scope, after.as_ref(), size)
            .await
            .expect("page");
        assert!(page.len() <= size);
        let Some(last) = page.last() else { break };
        after = Some(last.cursor());
        let done = page.len() < size;
        all.extend(page);
        if done {
            break;
        }
    }
    all
}

const REPORTS: usize = 130;

async fn the_inbox_pages_in_its_order_with_flagged_reports_first(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (cookie, _) = dsl_session(&hub).await;
    for n in 0..REPORTS {
        store_report(&hub.store, n, 1).await;
    }
    work_cases(&hub.store, REPORTS).await;
    let expected = reference_order(&hub.store, None).await;
    assert_eq!(expected.len(), REPORTS);

    let pages = walk_inbox(&hub, &cookie).await;
    assert!(
        pages.len() >= 3,
        "{REPORTS} reports make at least three pages: {:?}",
        pages.iter().map(Vec::len).collect::<Vec<_>>()
    );
    for page in &pages {
        assert!(
            !page.is_empty() && page.len() <= INBOX_PAGE_SIZE,
            "{}",
            page.len()
        );
    }
    let listed: Vec<String> = pages.concat();
    assert_eq!(
        listed, expected,
        "the pages, one after the other, are the inbox's order"
    );
    assert_eq!(listed.iter().collect::<HashSet<_>>().len(), REPORTS);

    // Every open flagged report comes before every other, across pages: all on the first page
    // here, marked, and the page says how many there are.
    let summaries = walk_store(&hub.store, ReportScope::Every, 1000).await;
    let flagged: Vec<&str> = summaries
        .iter()
        .filter(|s| s.flagged())
        .map(|s| s.id.as_str())
        .collect();
    assert!(
        flagged.len() >= 5,
        "the fixture has flagged reports: {flagged:?}"
    );
    assert!(flagged.iter().all(|id| pages[0].iter().any(|p| p == id)));
    let first = http::get_with(hub.addr, "/inbox", &[("Cookie", &cookie)]).await;
    assert_eq!(
        first.body.matches("<tr class=\"flagged\">").count(),
        flagged.len()
    );
    assert!(
        first.body.contains(&match flagged.len() {
            1 => "1 flagged report open.".to_owned(),
            n => format!("{n} flagged reports open."),
        }),
        "{}",
        first.body
    );

    // The store's pages, small ones to cross every tie of press time, give the same order.
    for size in [1, 7, 10] {
        let ids: Vec<String> = walk_store(&hub.store, ReportScope::Every, size)
            .await
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, expected, "pages of {size}");
    }

    // A link the inbox did not make is refused, not guessed at.
    for bad in [
        "/inbox?rank=1",
        "/inbox?rank=9&at=x&first=y&id=r-test0001-00000000",
        "/inbox?rank=1&at=x&first=y&id=..%2Fetc",
    ] {
        let reply = http::get_with(hub.addr, bad, &[("Cookie", &cookie)]).await;
        assert_eq!(reply.status, 400, "{bad}");
    }
    hub.stop().await;
}

/// Makes an account with `role` through a one-time link (as the accounts page does) and signs
/// it in; the session cookie.
async fn account_session(hub: &InProcessHub, username: &str, role: &str) -> String {
    let token = accounts::new_token();
    let link = AccountLink {
        token_hash: accounts::token_hash(&token),
        purpose: LinkPurpose::Invite,
        username: username.into(),
        role: role.into(),
        created_by: "dsl".into(),
        created_at: schoolgate_hub::now(),
        expires_at: "2999-01-01T00:00:00.000Z".into(),
    };
    assert!(hub.store.create_account_link(&link).await.expect("link"));
    let secret = accounts::new_totp_secret();
    let made = hub
        .store
        .use_account_link(
            &accounts::token_hash(&token),
            &schoolgate_hub::now(),
            &accounts::hash_password(PASSWORD).expect("hash"),
            &secret,
            0,
        )
        .await
        .expect("use the link");
    assert_eq!(made.as_deref(), Some(username));
    let code = accounts::totp_code(&secret, accounts::unix_now()).expect("code");
    let reply = sign_in(hub, username, PASSWORD, &code).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    crate::support::forms::set_cookie(&reply, accounts::SESSION_COOKIE).expect("cookie")
}

async fn a_reader_sees_only_assigned_reports_on_every_page(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    for n in 0..REPORTS {
        store_report(&hub.store, n, 1).await;
    }
    work_cases(&hub.store, REPORTS).await;
    // 70 reports for the reader (more than a page), some for someone else, and some taken back.
    for n in 0..REPORTS {
        let to = match n % 9 {
            0 => "someone-else",
            _ if n < 80 => "reader",
            _ => continue,
        };
        hub.store
            .add_case_entry(&report_id(n), "dsl", "assign", to)
            .await
            .expect("assign");
    }
    for n in [10, 11, 12] {
        hub.store
            .add_case_entry(&report_id(n), "dsl", "assign", "someone-else")
            .await
            .expect("reassign");
    }
    let reader = account_session(&hub, "reader", "safeguarding-reader").await;
    let expected = reference_order(&hub.store, Some("reader")).await;
    assert!(expected.len() > INBOX_PAGE_SIZE, "{}", expected.len());

    let pages = walk_inbox(&hub, &reader).await;
    assert!(pages.len() >= 2);
    for page in &pages {
        assert!(page.len() <= INBOX_PAGE_SIZE);
    }
    assert_eq!(
        pages.concat(),
        expected,
        "only the reader's reports, every one, in order"
    );
    let theirs: HashSet<&String> = expected.iter().collect();
    assert!(!theirs.contains(&report_id(10)) && !theirs.contains(&report_id(9)));

    // The same rule in the store, and nothing for a role that reads no reports.
    let summaries = walk_store(&hub.store, ReportScope::AssignedTo("reader"), 13).await;
    assert!(summaries
        .iter()
        .all(|s| s.assigned_to.as_deref() == Some("reader")));
    assert_eq!(summaries.len(), expected.len());
    assert!(hub
        .store
        .inbox_page(ReportScope::Nothing, None, 50)
        .await
        .expect("page")
        .is_empty());
    // The DSL still sees every report.
    assert_eq!(walk_inbox(&hub, &dsl).await.concat().len(), REPORTS);
    hub.stop().await;
}

/// What the summary of report `n` must say, worked out from its body and whole chronology.
async fn expected_summary(store: &AnyStore, id: &str) -> (ReportFacts, CaseState) {
    let report = store.report(id).await.expect("report").expect("stored");
    let entries = store.case_entries(id).await.expect("entries");
    (
        ReportFacts::of(&report.body),
        CaseState::from_entries(&entries),
    )
}

async fn summary_of(store: &AnyStore, id: &str) -> InboxSummary {
    walk_store(store, ReportScope::Every, 1000)
        .await
        .into_iter()
        .find(|s| s.id == id)
        .expect("in the inbox")
}

async fn assert_summary_right(store: &AnyStore, id: &str, after: &str) {
    let (facts, state) = expected_summary(store, id).await;
    let summary = summary_of(store, id).await;
    let escalated = state.escalated || facts.escalated_on_device;
    assert_eq!(
        (
            summary.csam,
            summary.escalated,
            summary.assigned_to.as_deref(),
            summary.closed,
            summary.case_entries,
            summary.rank,
            summary.page_url.as_str(),
            summary.adult_recorded,
        ),
        (
            facts.csam,
            escalated,
            state.assigned_to.as_deref(),
            state.closed,
            state.entries as i64,
            case::inbox_rank(facts.csam || escalated, &state),
            facts.page_url.as_str(),
            facts.adult_recorded,
        ),
        "after {after}"
    );
}

async fn the_summary_follows_every_case_action_and_revision(db: TestDb) {
    let store = db.open().await;
    // Report 1: nothing flagged at first.
    store_report(&store, 1, 1).await;
    let id = report_id(1);
    assert_summary_right(&store, &id, "arriving").await;
    assert_eq!(summary_of(&store, &id).await.rank, 1, "new");
    for (kind, detail) in [
        ("note", "spoke to the teacher"),
        ("assign", "ana"),
        ("escalate", "a disclosure"),
        ("outcome", "police"),
        ("close", ""),
        ("note", "filed"),
        ("reopen", "more came to light"),
        ("assign", "ben"),
        ("unblock-page", ""),
        ("block-school", "site-1.example"),
        ("outcome", "iwf"),
        ("close", ""),
    ] {
        store
            .add_case_entry(&id, "dsl", kind, detail)
            .await
            .expect("entry");
        assert_summary_right(&store, &id, kind).await;
    }
    let summary = summary_of(&store, &id).await;
    assert_eq!(
        (summary.assigned_to.as_deref(), summary.closed, summary.rank),
        (Some("ben"), true, 3)
    );

    // A newer revision in which the adult suspects CSAM: flagged from that revision on (and at
    // the top once the case is reopened); an older revision sent late changes nothing.
    let mut body: serde_json::Value = serde_json::from_str(&body(1, 2)).expect("json");
    body["adult"] = serde_json::json!({ "suspectedCsam": true });
    store
        .ingest(&NewReport {
            id: id.clone(),
            revision: 2,
            body: body.to_string(),
            created_at: body["createdAt"].as_str().map(str::to_owned),
            signing_key: "test".into(),
            received_at: "2026-12-02T00:00:00.000Z".into(),
        })
        .await
        .expect("revision 2");
    assert_summary_right(&store, &id, "revision 2").await;
    assert!(summary_of(&store, &id).await.csam);
    store_report(&store, 1, 1).await;
    assert!(
        summary_of(&store, &id).await.csam,
        "an older revision is ignored"
    );
    store
        .add_case_entry(&id, "dsl", "reopen", "again")
        .await
        .expect("reopen");
    assert_summary_right(&store, &id, "reopen").await;
    assert_eq!(summary_of(&store, &id).await.rank, 0);
}

/// Builds a database at migration 4 (before the summary), with reports and chronologies
/// written as the hub before migration 5 wrote them.
async fn database_at_migration_4(db: &TestDb) {
    let location = db.location();
    let migrations = match &location {
        DatabaseLocation::Sqlite(_) => schoolgate_hub::migrations::SQLITE,
        DatabaseLocation::Postgres(_) => schoolgate_hub::migrations::POSTGRES,
    };
    if let DatabaseLocation::Sqlite(path) = &location {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("dir");
        std::fs::File::create(path).expect("file");
    }
    let mut sql = String::from(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL);\n",
    );
    for m in migrations.iter().filter(|m| m.version <= 4) {
        sql.push_str(m.sql);
        sql.push('\n');
        sql.push_str(&format!(
            "INSERT INTO schema_migrations VALUES ({}, '{}', '2026-12-01T00:00:00.000Z');\n",
            m.version,
            m.description.replace('\'', "''")
        ));
    }
    let odd_bodies = [
        // A timeline that is not a list, and one whose entries are not objects.
        r#"{"schema":"schoolgate-report/1","id":"r-odd00001-aaaaaaaa","revision":1,"timeline":{"event":"csam-url-only"},"adult":{"suspectedCsam":1}}"#,
        r#"{"schema":"schoolgate-report/1","id":"r-odd00002-aaaaaaaa","revision":1,"timeline":["csam-url-only",3,null],"page":{"details":"not-kept","url":7}}"#,
    ];
    for n in 0..40 {
        let body = body(n, 1);
        let created: serde_json::Value = serde_json::from_str(&body).expect("json");
        let created = created["createdAt"]
            .as_str()
            .map_or("NULL".to_owned(), |c| format!("'{c}'"));
        sql.push_str(&format!(
            "INSERT INTO reports (id, revision, body, created_at, first_received_at, received_at, signing_key) \
             VALUES ('{}', 1, '{}', {created}, '2026-12-01T00:00:{:02}.000Z', '2026-12-01T00:00:{:02}.000Z', 'test');\n",
            report_id(n),
            body.replace('\'', "''"),
            n,
            n
        ));
    }
    for (i, odd) in odd_bodies.iter().enumerate() {
        let id = format!("r-odd0000{}-aaaaaaaa", i + 1);
        sql.push_str(&format!(
            "INSERT INTO reports (id, revision, body, created_at, first_received_at, received_at, signing_key) \
             VALUES ('{id}', 1, '{odd}', NULL, '2026-12-01T00:01:00.000Z', '2026-12-01T00:01:00.000Z', 'test');\n"
        ));
    }
    // Chronologies: as `work_cases` makes them, and assignments.
    let mut seq = std::collections::HashMap::<String, i64>::new();
    let mut entry = |sql: &mut String, id: String, kind: &str, detail: &str| {
        let s = seq.entry(id.clone()).or_default();
        *s += 1;
        sql.push_str(&format!(
            "INSERT INTO case_entries (report_id, seq, at, actor, kind, detail) VALUES ('{id}', {s}, '2026-12-01T01:00:00.000Z', 'dsl', '{kind}', '{detail}');\n"
        ));
    };
    for n in 0..40 {
        let id = report_id(n);
        if n % 7 == 1 {
            entry(&mut sql, id.clone(), "note", "looked at it");
        }
        if n % 3 == 0 {
            entry(&mut sql, id.clone(), "assign", "reader");
        }
        if n % 11 == 2 || n % 34 == 0 {
            entry(&mut sql, id.clone(), "outcome", "pupil-supported");
            entry(&mut sql, id.clone(), "close", "");
        }
        if n % 13 == 4 {
            entry(&mut sql, id.clone(), "escalate", "needs the DSL");
        }
        if n == 6 {
            entry(&mut sql, id.clone(), "assign", "someone-else");
        }
        if n == 2 {
            entry(&mut sql, id.clone(), "reopen", "again");
        }
    }
    raw_sql(&location, &sql)
        .await
        .expect("a database at migration 4");
}

async fn migration_5_fills_in_the_summary_of_reports_already_stored(db: TestDb) {
    database_at_migration_4(&db).await;
    let store = db.open().await;
    assert!(store
        .applied_migrations()
        .await
        .expect("migrations")
        .contains(&5));
    let summaries = walk_store(&store, ReportScope::Every, 9).await;
    assert_eq!(
        summaries.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        reference_order(&store, None).await,
        "the inbox's order, from the filled-in summaries"
    );
    for summary in &summaries {
        assert_summary_right(&store, &summary.id, "migration 5").await;
        let (facts, _) = expected_summary(&store, &summary.id).await;
        assert_eq!(
            (&summary.school_name, &summary.group_label),
            (&facts.school_name, &facts.group_label)
        );
    }
    let csam = |id: &str| summaries.iter().find(|s| s.id == id).expect("odd").csam;
    assert_eq!(
        (csam("r-odd00001-aaaaaaaa"), csam("r-odd00002-aaaaaaaa")),
        (false, true),
        "only a real `true` or a not-kept page counts"
    );
    assert_eq!(
        walk_store(&store, ReportScope::AssignedTo("reader"), 5)
            .await
            .into_iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        reference_order(&store, Some("reader")).await
    );
}

async fn a_backup_keeps_the_inbox_summary(db: TestDb) {
    let store = db.open().await;
    for n in 0..40 {
        store_report(&store, n, 1).await;
    }
    work_cases(&store, 40).await;
    for n in (0..40).step_by(3) {
        store
            .add_case_entry(&report_id(n), "dsl", "assign", "reader")
            .await
            .expect("assign");
    }
    let to = db.dir.path().join("backup.sqlite3");
    store.backup(&to).await.expect("backup");
    // A PostgreSQL hub's backup is a SQLite file its rows were copied into: the summaries are
    // made again there from the copied bodies and chronologies.
    let restored = AnyStore::open(&DatabaseLocation::Sqlite(to))
        .await
        .expect("open the backup");
    for reader in [None, Some("reader")] {
        let scope = reader.map_or(ReportScope::Every, ReportScope::AssignedTo);
        let ids: Vec<String> = walk_store(&restored, scope, 6)
            .await
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, reference_order(&store, reader).await, "{reader:?}");
    }
    for summary in walk_store(&restored, ReportScope::Every, 100).await {
        assert_summary_right(&restored, &summary.id, "a backup").await;
    }
}

async fn exports_are_sent_a_page_at_a_time_and_whole(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let count = 2 * schoolgate_hub::store::EXPORT_PAGE_SIZE + 30;
    for n in 0..count {
        store_report(&hub.store, n, 1).await;
    }
    work_cases(&hub.store, 40).await;
    for n in (0..count).step_by(4) {
        hub.store
            .add_case_entry(&report_id(n), "dsl", "assign", "reader")
            .await
            .expect("assign");
    }
    let reader = account_session(&hub, "reader", "safeguarding-reader").await;
    for (cookie, who) in [(&dsl, None), (&reader, Some("reader"))] {
        // Every report the account may read, oldest arrival first, exactly as the export was
        // written when it was made in one piece.
        let reports = hub.store.reports().await.expect("reports");
        let mut expected = Vec::new();
        for report in &reports {
            let entries = hub.store.case_entries(&report.id).await.expect("entries");
            let state = CaseState::from_entries(&entries);
            if who.is_none_or(|me| state.assigned_to.as_deref() == Some(me)) {
                expected.push((report.clone(), entries));
            }
        }
        let json = http::get_with(hub.addr, "/exports/reports.json", &[("Cookie", cookie)]).await;
        assert_eq!(json.status, 200);
        let document = json.json();
        let whole = serde_json::to_string_pretty(&serde_json::json!({
            "schema": "schoolgate-hub-export/1",
            "exportedAt": document["exportedAt"],
            "reports": expected.iter().map(|(r, e)| schoolgate_hub::export::report_json(r, e)).collect::<Vec<_>>(),
        }))
        .expect("json");
        assert!(
            json.body == whole,
            "{who:?}: the JSON export differs from the document in one piece"
        );
        let csv = http::get_with(hub.addr, "/exports/reports.csv", &[("Cookie", cookie)]).await;
        let rows = expected
            .iter()
            .map(|(r, e)| schoolgate_hub::export::report_row(r, e));
        assert!(
            csv.body == schoolgate_hub::export::csv(&schoolgate_hub::export::REPORT_COLUMNS, rows),
            "{who:?}: the CSV export differs"
        );
        if who.is_some() {
            assert!(expected.len() > schoolgate_hub::store::EXPORT_PAGE_SIZE / 4);
            assert!(expected.len() < count);
        }
    }
    // The audit entries count what was exported.
    let log = hub.store.audit_log().await.expect("audit");
    let csv_exports: Vec<&str> = log
        .iter()
        .filter(|e| e.action == "exported-reports-csv")
        .map(|e| e.subject.as_str())
        .collect();
    assert_eq!(csv_exports[0], format!("{count} reports"));
    // No report: an empty list, still a whole document.
    hub.stop().await;
    let empty = TestDb::sqlite();
    let hub = InProcessHub::start(&empty).await;
    let (dsl, _) = dsl_session(&hub).await;
    let json = http::get_with(hub.addr, "/exports/reports.json", &[("Cookie", &dsl)]).await;
    assert_eq!(json.json()["reports"], serde_json::json!([]));
    assert!(json.body.contains("\"reports\": []"), "{}", json.body);
    hub.stop().await;
}
