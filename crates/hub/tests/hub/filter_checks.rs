//! The filter check log (selftest, issue 17), on both back ends: a `filter-check` event is
//! logged with the DfE checklist's fields (when, who, device, group, results); a failed one is
//! marked at the top of the log and on the devices page, and e-mailed to the IT lead at once (a
//! link only, capped, through a real SMTP conversation); the IT lead appends "actions taken"
//! (audited, never changed afterwards); governors read the log and its printable version and see
//! no pupil; the governors' summary counts the term's checks.

use std::time::Duration;

use schoolgate_hub::store::{FilterCheckStore, Store};
use serde_json::{json, Value};

use crate::events::{batch_body, send};
use crate::on_both_backends;
use crate::roles::{invite, join, session, NEW_PASSWORD};
use crate::support::mail::{next_mail, MailingHub};
use crate::support::{self, forms, http, InProcessHub, TestDb, TEST_KEY};
use crate::web::{dsl_session, raw_sql};

on_both_backends!(
    a_check_is_logged_and_actions_taken_are_appended_and_audited,
    a_failed_check_is_mailed_to_the_it_lead_once_within_the_cap,
);

const PUPIL: &str = "amelia.pupil@oak-hill.example";
const STAFF: &str = "it.lead@oak-hill.example";
const PASSED_RESULTS: &str = "pass canary gambling: bet365.com goes to the block page\npass locked list child-abuse: 3 entries, canary blocked\npass safesearch google: safe=active\npass block page: DNR rule installed, blocked.html renders";
const FAILED_RESULTS: &str = "pass canary gambling: bet365.com goes to the block page\nfail locked list child-abuse: https://lists.example/iwf.txt never loaded (no usable entries)";

/// A `filter-check` event as the extension sends it (`extension/sw/self-test.js`).
pub fn filter_check(
    id: &str,
    at: &str,
    trigger: &str,
    passed: bool,
    results: &str,
    staff: Option<&str>,
) -> Value {
    json!({ "id": id, "at": at, "kind": "filter-check", "trigger": trigger,
            "passed": if passed { "true" } else { "false" }, "results": results,
            "staffAccount": staff, "groups": "ks2", "listsVersion": "0.4.0 built-in + 2 lists (a1b2c3)" })
}

async fn a_check_is_logged_and_actions_taken_are_appended_and_audited(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let mut cookies = Vec::new();
    for (name, role) in [("it", "it-lead"), ("governor", "governor")] {
        let link = invite(&hub, &dsl, name, role).await;
        let (made, secret) = join(&hub, &link, NEW_PASSWORD).await;
        assert_eq!(made, 303);
        cookies.push(session(&hub, name, NEW_PASSWORD, &secret).await);
    }
    let (it, governor) = (cookies[0].clone(), cookies[1].clone());

    // A pupil's Chromebook: the daily check passes; then a member of staff runs one that fails.
    let body = batch_body(
        "b-check-0001",
        "d-chromebook-17",
        Some(PUPIL),
        vec![
            filter_check(
                "e-check-0001",
                "2026-12-07T08:00:00.000Z",
                "daily",
                true,
                PASSED_RESULTS,
                None,
            ),
            filter_check(
                "e-check-0002",
                "2026-12-07T09:30:00.000Z",
                "on-demand",
                false,
                FAILED_RESULTS,
                Some(STAFF),
            ),
        ],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-check-0001", &body).await.status,
        201
    );
    // Sent again (a lost answer): nothing new in the log.
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-check-0001", &body).await.status,
        200
    );
    // A check that says neither true nor false is refused with its batch.
    let mut bad = filter_check(
        "e-check-0003",
        "2026-12-07T09:31:00.000Z",
        "daily",
        true,
        "x",
        None,
    );
    bad["passed"] = "yes".into();
    let refused = batch_body("b-check-0002", "d-chromebook-17", None, vec![bad]);
    let reply = send(hub.addr, TEST_KEY, "b-check-0002", &refused).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains("passed"), "{}", reply.body);

    let logged = hub.store.filter_checks(None, None, 100).await.expect("log");
    assert_eq!(logged.len(), 2, "{logged:?}");
    let (failed, daily) = (&logged[0], &logged[1]);
    assert_eq!(daily.checked_at, "2026-12-07T08:00:00.000Z");
    assert_eq!(daily.checked_by, "automatic (daily)");
    assert_eq!((daily.trigger.as_str(), daily.passed), ("daily", true));
    assert_eq!(
        (daily.device.as_str(), daily.group.as_str()),
        ("d-chromebook-17", "ks2")
    );
    assert_eq!(daily.results, PASSED_RESULTS);
    assert_eq!(daily.extension_version, "0.4.0");
    assert!(daily.lists_version.contains("a1b2c3"));
    assert_eq!((failed.checked_by.as_str(), failed.passed), (STAFF, false));

    // The IT lead's log: the failure first, each result, and who checked.
    let page = http::get_with(hub.addr, "/filter-checks", &[("Cookie", &it)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let text = &page.body;
    assert!(
        text.contains("role=\"alert\"")
            && text.contains("1 device failed their latest filter check"),
        "{text}"
    );
    assert!(text.contains(&format!("id=\"check-{}\"", failed.id)));
    assert!(
        text.contains("FAILED: </strong>locked list child-abuse"),
        "{text}"
    );
    assert!(text.contains("automatic (daily)") && text.contains(STAFF));
    assert!(!text.contains(PUPIL), "the log names no pupil");
    // …and on the devices page.
    let devices = http::get_with(hub.addr, "/devices", &[("Cookie", &it)]).await;
    assert_eq!(devices.status, 200);
    assert!(
        devices.body.contains("failed their latest filter check")
            && devices
                .body
                .contains(&format!("/filter-checks#check-{}\">FAILED", failed.id)),
        "{}",
        devices.body
    );

    // A check that ran earlier but arrives later (queued offline) is logged, and does not hide the failure.
    let late = batch_body(
        "b-check-0003",
        "d-chromebook-17",
        Some(PUPIL),
        vec![filter_check(
            "e-check-0004",
            "2026-12-07T07:00:00.000Z",
            "daily",
            true,
            PASSED_RESULTS,
            None,
        )],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-check-0003", &late).await.status,
        201
    );
    let latest = hub.store.latest_filter_checks().await.expect("latest");
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].id, failed.id, "the latest by when it ran");

    // The IT lead writes what was done: appended, shown with who and when, audited.
    let auth = forms::open_form(hub.addr, "/filter-checks", Some(&it)).await;
    let path = format!("/filter-checks/{}/actions", failed.id);
    let note = "The IWF list address had moved: corrected in the Admin console, check passed.";
    let added = forms::post(hub.addr, &path, &auth, &[("note", note)]).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let empty = forms::post(hub.addr, &path, &auth, &[("note", "  ")]).await;
    assert_eq!(empty.status, 400);
    let nowhere = forms::post(
        hub.addr,
        "/filter-checks/999999/actions",
        &auth,
        &[("note", note)],
    )
    .await;
    assert_eq!(nowhere.status, 404);
    let without_csrf =
        http::post_form(hub.addr, &path, &[("note", note)], &[("Cookie", &it)]).await;
    assert_eq!(without_csrf.status, 403, "CSRF is checked");
    let page = http::get_with(hub.addr, "/filter-checks", &[("Cookie", &it)]).await;
    assert!(
        page.body.contains(note) && page.body.contains("(it, "),
        "{}",
        page.body
    );
    let actions = hub
        .store
        .filter_check_actions(failed.id, failed.id)
        .await
        .expect("actions");
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].added_by, "it");
    let audited = hub.store.audit_log().await.expect("audit");
    assert!(
        audited.iter().any(|e| e.action == "filter-check-action"
            && e.actor == "it"
            && e.subject == failed.id.to_string()),
        "{audited:?}"
    );
    // Append-only: the database refuses to change or delete a note.
    for sql in [
        "UPDATE filter_check_actions SET note = 'nothing happened'",
        "DELETE FROM filter_check_actions",
    ] {
        assert!(raw_sql(&db.location(), sql).await.is_err(), "{sql}");
    }

    // Governors: the log and its printable version, no pupil, no form to add a note.
    let page = http::get_with(hub.addr, "/filter-checks", &[("Cookie", &governor)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(note) && page.body.contains("d-chromebook-17"));
    assert!(!page.body.contains(PUPIL) && !page.body.contains("amelia"));
    assert!(
        !page.body.contains("/actions\""),
        "a governor cannot add a note"
    );
    let gauth = forms::FormAuth {
        cookie: governor.clone(),
        csrf: forms::csrf_in(&page.body),
    };
    assert_eq!(
        forms::post(hub.addr, &path, &gauth, &[("note", "a governor's note")])
            .await
            .status,
        403
    );
    let print = http::get_with(hub.addr, "/filter-checks?print=1", &[("Cookie", &governor)]).await;
    assert_eq!(print.status, 200);
    for column in [
        "When checked",
        "Who checked",
        "Device",
        "Group(s)",
        "Result",
        "Results of each check",
        "Actions taken",
    ] {
        assert!(
            print
                .body
                .contains(&format!("<th scope=\"col\">{column}</th>")),
            "{column} missing"
        );
    }
    assert!(print.body.contains("Printed ") && !print.body.contains("<nav>"));
    assert!(!print.body.contains(PUPIL));
    // The governors' summary counts the term's checks (the late one too).
    let summary = http::get_with(
        hub.addr,
        "/figures/term?term=2026-autumn",
        &[("Cookie", &governor)],
    )
    .await;
    assert!(
        summary.body.contains("Filter checks done: 3, failed: 1"),
        "{}",
        summary.body
    );
    // So does the online-safety lead's monthly report.
    let monthly = http::get_with(
        hub.addr,
        "/reports/monthly?month=2026-12",
        &[("Cookie", &dsl)],
    )
    .await;
    assert!(
        monthly
            .body
            .contains("Filter checks done (failed)</th><td>3 (1)</td>"),
        "{}",
        monthly.body
    );
    // A safeguarding reader has no business here.
    let link = invite(&hub, &dsl, "reader", "safeguarding-reader").await;
    let (_, secret) = join(&hub, &link, NEW_PASSWORD).await;
    let reader = session(&hub, "reader", NEW_PASSWORD, &secret).await;
    assert_eq!(
        http::get_with(hub.addr, "/filter-checks", &[("Cookie", &reader)])
            .await
            .status,
        403
    );
    hub.stop().await;
}

const INTERVAL_SECS: u64 = 4;

async fn a_failed_check_is_mailed_to_the_it_lead_once_within_the_cap(db: TestDb) {
    let store = db.open().await;
    support::add_key(&store, "test", TEST_KEY).await;
    let MailingHub { addr, mut mail, .. } = MailingHub::start(&store, INTERVAL_SECS).await;
    let check = |n: usize, passed: bool| {
        let batch = format!("b-fcmail-{n:04}");
        let results = if passed {
            PASSED_RESULTS
        } else {
            FAILED_RESULTS
        };
        let body = batch_body(
            &batch,
            "d-chromebook-17",
            Some(PUPIL),
            vec![filter_check(
                &format!("e-fcmail-{n:04}"),
                "2026-12-07T09:05:00.000Z",
                "daily",
                passed,
                results,
                None,
            )],
        );
        (batch, body)
    };

    // A passing check tells no one.
    let (batch, body) = check(1, true);
    assert_eq!(send(addr, TEST_KEY, &batch, &body).await.status, 201);
    assert!(
        next_mail(&mut mail, Duration::from_secs(2)).await.is_none(),
        "a passing check is not mailed"
    );
    // A failing one: the IT lead, at once, a link and nothing else.
    let (batch, body) = check(2, false);
    let sent = tokio::time::Instant::now();
    assert_eq!(send(addr, TEST_KEY, &batch, &body).await.status, 201);
    let first = next_mail(&mut mail, Duration::from_secs(10))
        .await
        .expect("the IT lead's e-mail");
    assert!(sent.elapsed() < Duration::from_secs(3), "at once");
    assert!(
        first.to.iter().all(|t| t.contains("it@oak-hill.example")),
        "{:?}",
        first.to
    );
    assert!(
        first.data.contains("a filter check failed"),
        "{}",
        first.data
    );
    let id = store.filter_checks(None, None, 10).await.expect("log")[0].id;
    assert!(
        first.data.contains(&format!(
            "https://hub.oak-hill.example/filter-checks#check-{id}"
        )),
        "{}",
        first.data
    );
    for detail in [PUPIL, "amelia", "d-chromebook-17", "child-abuse", "iwf"] {
        assert!(!first.data.contains(detail), "the e-mail carried {detail}");
    }
    // Two more failures within the cap: one e-mail after it, with both.
    for n in 3..=4 {
        let (batch, body) = check(n, false);
        assert_eq!(send(addr, TEST_KEY, &batch, &body).await.status, 201);
    }
    assert!(
        next_mail(&mut mail, Duration::from_secs(INTERVAL_SECS - 2))
            .await
            .is_none(),
        "held for the cap"
    );
    let second = next_mail(&mut mail, Duration::from_secs(INTERVAL_SECS + 5))
        .await
        .expect("the capped e-mail");
    assert!(
        second.data.contains("2 filter checks failed"),
        "{}",
        second.data
    );
    assert_eq!(second.data.matches("/filter-checks#check-").count(), 2);
    assert!(
        next_mail(&mut mail, Duration::from_secs(INTERVAL_SECS + 1))
            .await
            .is_none(),
        "once: nothing else"
    );
}
