//! The DSL's inbox and a report's case, on both back ends: flagged reports first, an
//! append-only chronology the database itself protects, every view and change in the audit
//! chain, and the audit log's page, exports and `audit verify`.

use schoolgate_hub::audit;
use schoolgate_hub::store::Store;

use crate::on_both_backends;
use crate::support::{
    forms, http, hub_command, post_signed, report_body, report_id, stdout, InProcessHub, TestDb,
    TEST_KEY,
};
use crate::web::{dsl_session, raw_sql};

on_both_backends!(
    flagged_reports_come_first_then_new_ones,
    a_case_is_worked_in_an_append_only_chronology,
    the_audit_log_page_exports_and_cli_check_the_chain,
);

/// A report body with `adult` set as the extension sends it after the adult records.
fn body_with_adult(id: &str, adult: serde_json::Value, created_at: &str) -> String {
    let mut body: serde_json::Value = serde_json::from_str(&report_body(id, 1)).expect("json");
    body["adult"] = adult;
    body["createdAt"] = created_at.into();
    body.to_string()
}

async fn post(hub: &InProcessHub, id: &str, body: &str) {
    let reply = post_signed(hub.addr, TEST_KEY, id, 1, body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

fn position(page: &str, id: &str) -> usize {
    page.find(&format!("/reports/{id}\""))
        .unwrap_or_else(|| panic!("{id} in the inbox"))
}

async fn flagged_reports_come_first_then_new_ones(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (cookie, _) = dsl_session(&hub).await;
    let [old_csam, escalated, newest, worked] = [1, 2, 3, 4].map(report_id);
    post(
        &hub,
        &old_csam,
        &body_with_adult(
            &old_csam,
            serde_json::json!({ "suspectedCsam": true, "escalateToDsl": false }),
            "2026-11-20T09:00:00.000Z",
        ),
    )
    .await;
    post(
        &hub,
        &escalated,
        &body_with_adult(
            &escalated,
            serde_json::json!({ "suspectedCsam": false, "escalateToDsl": true }),
            "2026-11-21T09:00:00.000Z",
        ),
    )
    .await;
    post(
        &hub,
        &worked,
        &body_with_adult(&worked, serde_json::Value::Null, "2026-11-26T09:00:00.000Z"),
    )
    .await;
    post(
        &hub,
        &newest,
        &body_with_adult(&newest, serde_json::Value::Null, "2026-11-25T09:00:00.000Z"),
    )
    .await;
    // Someone has started on `worked`: it is no longer new, so it goes below `newest`.
    hub.store
        .add_case_entry(&worked, "dsl", "note", "looked at it")
        .await
        .expect("note");

    let inbox = http::get_with(hub.addr, "/inbox", &[("Cookie", &cookie)]).await;
    assert_eq!(inbox.status, 200);
    let order = [&escalated, &old_csam, &newest, &worked].map(|id| position(&inbox.body, id));
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "flagged (newest first), then new, then worked on: {order:?}"
    );
    assert!(inbox.body.contains("Suspected CSAM") && inbox.body.contains("Escalated"));

    // Once closed, a flagged report leaves the top.
    for (kind, detail) in [("outcome", "iwf"), ("close", "")] {
        hub.store
            .add_case_entry(&old_csam, "dsl", kind, detail)
            .await
            .expect("entry");
    }
    let inbox = http::get_with(hub.addr, "/inbox", &[("Cookie", &cookie)]).await;
    assert!(position(&inbox.body, &worked) < position(&inbox.body, &old_csam));
    hub.stop().await;
}

async fn a_case_is_worked_in_an_append_only_chronology(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (cookie, _) = dsl_session(&hub).await;
    let id = report_id(7);
    post(&hub, &id, &report_body(&id, 1)).await;
    let path = format!("/reports/{id}/case");
    // As a browser: the form's CSRF token from the report's page.
    let auth = forms::open_form(hub.addr, &format!("/reports/{id}"), Some(&cookie)).await;
    let submit = |fields: Vec<(&'static str, &'static str)>| {
        let (path, auth) = (path.clone(), auth.clone());
        async move { forms::post(hub.addr, &path, &auth, &fields).await }
    };
    let ok = |reply: http::Reply| {
        assert_eq!(reply.status, 303, "{}", reply.body);
    };
    let refused = |reply: http::Reply, why: &str| {
        assert_eq!(reply.status, 400, "{why}");
        assert!(reply.body.contains(why), "{why}: {}", reply.body);
    };

    ok(submit(vec![
        ("kind", "note"),
        ("detail", "Spoke to the class teacher."),
    ])
    .await);
    refused(
        submit(vec![("kind", "assign"), ("detail", "nobody")]).await,
        "there is no account called",
    );
    ok(submit(vec![("kind", "assign"), ("detail", "dsl")]).await);
    refused(
        submit(vec![("kind", "close"), ("detail", "")]).await,
        "record an outcome before closing",
    );
    refused(
        submit(vec![("kind", "outcome"), ("detail", "detention")]).await,
        "choose one of the listed outcomes",
    );
    ok(submit(vec![("kind", "outcome"), ("detail", "parents-informed")]).await);
    ok(submit(vec![("kind", "close"), ("detail", "")]).await);
    refused(
        submit(vec![("kind", "action"), ("detail", "rang home")]).await,
        "the case is closed",
    );
    refused(
        submit(vec![("kind", "reopen"), ("detail", " ")]).await,
        "this entry needs text",
    );
    ok(submit(vec![("kind", "reopen"), ("detail", "A new disclosure.")]).await);
    refused(
        submit(vec![("kind", "edit"), ("detail", "x")]).await,
        "unknown kind of entry",
    );
    // From another site: refused, nothing added (with the session's token, but sent by another
    // site; and without the token at all).
    let cross = http::post_form(
        hub.addr,
        &path,
        &[("kind", "note"), ("detail", "x"), ("csrf", &auth.csrf)],
        &[("Cookie", &cookie), ("Origin", "http://evil.example")],
    )
    .await;
    assert_eq!(cross.status, 403);
    let forged = http::post_form(
        hub.addr,
        &path,
        &[("kind", "note"), ("detail", "x")],
        &[("Cookie", &cookie)],
    )
    .await;
    assert_eq!(forged.status, 403);
    // Signed out (a browser with only the sign-in page's token): nothing added.
    let signed_out = forms::open_form(hub.addr, "/login", None).await;
    let anonymous = forms::post(
        hub.addr,
        &path,
        &signed_out,
        &[("kind", "note"), ("detail", "x")],
    )
    .await;
    assert_eq!(anonymous.header("location"), Some("/login"));

    let entries = hub.store.case_entries(&id).await.expect("entries");
    let said: Vec<(i64, &str, &str)> = entries
        .iter()
        .map(|e| (e.seq, e.kind.as_str(), e.detail.as_str()))
        .collect();
    assert_eq!(
        said,
        [
            (1, "note", "Spoke to the class teacher."),
            (2, "assign", "dsl"),
            (3, "outcome", "parents-informed"),
            (4, "close", ""),
            (5, "reopen", "A new disclosure."),
        ]
    );
    let page = http::get_with(hub.addr, &format!("/reports/{id}"), &[("Cookie", &cookie)]).await;
    assert!(
        page.body.contains("Spoke to the class teacher.")
            && page.body.contains("Parents or carers informed"),
        "{}",
        page.body
    );

    // Every change is in the audit chain (without its text), and the chain holds.
    let log = hub.store.audit_log().await.expect("audit");
    let changes: Vec<&str> = log
        .iter()
        .filter(|e| e.action.starts_with("case-"))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        changes,
        [
            "case-note",
            "case-assign",
            "case-outcome",
            "case-close",
            "case-reopen"
        ]
    );
    assert!(log
        .iter()
        .filter(|e| e.action.starts_with("case-"))
        .all(|e| e.subject == id && e.actor == "dsl"));
    assert!(!log.iter().any(|e| e.subject.contains("class teacher")));
    assert_eq!(audit::verify(&log), Ok(()));

    // The database refuses to change or remove an entry while the report exists.
    let location = db.location();
    assert!(raw_sql(
        &location,
        "UPDATE case_entries SET detail = 'nothing' WHERE seq = 1"
    )
    .await
    .is_err());
    assert!(raw_sql(&location, "DELETE FROM case_entries WHERE seq = 1")
        .await
        .is_err());
    assert_eq!(hub.store.case_entries(&id).await.expect("entries").len(), 5);
    hub.stop().await;
}

async fn the_audit_log_page_exports_and_cli_check_the_chain(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (cookie, _) = dsl_session(&hub).await;
    let id = report_id(9);
    post(&hub, &id, &report_body(&id, 1)).await;
    let get = |path: &'static str| {
        let cookie = cookie.clone();
        async move { http::get_with(hub.addr, path, &[("Cookie", &cookie)]).await }
    };
    assert_eq!(
        http::get(hub.addr, "/audit").await.header("location"),
        Some("/login")
    );
    let page = get("/audit").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Chain check: intact"), "{}", page.body);
    assert!(
        page.body.contains("viewed-audit-log"),
        "the view itself is logged first"
    );

    let json = get("/audit/export.json").await;
    assert!(json
        .header("content-disposition")
        .is_some_and(|d| d.contains("audit-log.json")));
    let document = json.json();
    assert_eq!(document["chain"], "intact");
    let entries = document["entries"].as_array().expect("entries");
    assert_eq!(
        entries.last().expect("an entry")["action"],
        "exported-audit-log-json"
    );
    let csv = get("/audit/export.csv").await;
    assert!(csv
        .body
        .starts_with("seq,at,actor,action,subject,prev_hash,hash\r\n"));
    assert!(
        csv.body.contains(",dsl,exported-audit-log-csv,"),
        "{}",
        csv.body
    );

    let verify = hub_command(&db, &["audit", "verify"]);
    assert!(verify.status.success(), "{verify:?}");
    assert!(stdout(&verify).contains("audit log intact"));

    // Tampered with behind the hub's back: the page says so and the command fails.
    let location = db.location();
    let drop_triggers = match location {
        schoolgate_hub::config::DatabaseLocation::Sqlite(_) => {
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
        }
        schoolgate_hub::config::DatabaseLocation::Postgres(_) => {
            "DROP TRIGGER audit_log_no_change ON audit_log;"
        }
    };
    raw_sql(&location, drop_triggers).await.expect("drop");
    raw_sql(
        &location,
        "UPDATE audit_log SET actor = 'someone else' WHERE seq = 2",
    )
    .await
    .expect("tamper");
    let verify = hub_command(&db, &["audit", "verify"]);
    assert!(!verify.status.success());
    assert!(
        String::from_utf8_lossy(&verify.stderr).contains("broken at entry 2"),
        "{verify:?}"
    );
    let page = get("/audit").await;
    assert!(page.body.contains("BROKEN"), "{}", page.body);
    assert_eq!(get("/audit/export.json").await.json()["chain"], "broken");
    hub.stop().await;
}
