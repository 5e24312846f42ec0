//! The DSL's weekly digest (evhub), on both back ends: a week's Prevent and other search alerts,
//! repeated attempts counted by the hub (3 or more blocked visits to one site, each within 10
//! minutes), attempts to get round the filter, searches for help and devices gone silent; only
//! that week's events; audited; not for a governor.

use chrono::{Duration, Utc};
use schoolgate_hub::monitor;
use schoolgate_hub::notify::Notifier;
use schoolgate_hub::retention::FixedClock;
use schoolgate_hub::store::Store;
use serde_json::json;

use crate::events::{batch_body, blocked, heartbeat, search_alert, send};
use crate::on_both_backends;
use crate::roles::invited_session;
use crate::support::{http, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(a_week_in_one_page);

const PUPIL: &str = "amelia.pupil@oak-hill.example";

async fn a_week_in_one_page(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let body = batch_body(
        "b-digest-001",
        "d-chromebook-17",
        Some(PUPIL),
        vec![
            search_alert(
                "e-digest-01",
                "2026-12-01T10:00:00.000Z",
                "prevent",
                "join the movement",
                None,
            ),
            search_alert(
                "e-digest-02",
                "2026-12-02T10:00:00.000Z",
                "self-harm",
                "sad words",
                None,
            ),
            blocked(
                "e-digest-03",
                "2026-12-03T10:00:00.000Z",
                "casino.example",
                "gambling",
            ),
            blocked(
                "e-digest-04",
                "2026-12-03T10:05:00.000Z",
                "casino.example",
                "gambling",
            ),
            blocked(
                "e-digest-05",
                "2026-12-03T10:12:00.000Z",
                "casino.example",
                "gambling",
            ),
            blocked(
                "e-digest-06",
                "2026-12-03T11:00:00.000Z",
                "twice-only.example",
                "games",
            ),
            blocked(
                "e-digest-07",
                "2026-12-03T11:01:00.000Z",
                "twice-only.example",
                "games",
            ),
            json!({ "id": "e-digest-08", "at": "2026-12-04T10:00:00.000Z", "kind": "circumvention",
                    "url": "https://proxy-site.example/", "host": "proxy-site.example", "method": "proxy", "category": "proxy-vpn" }),
            json!({ "id": "e-digest-09", "at": "2026-12-05T10:00:00.000Z", "kind": "help-seeking", "engine": "google", "terms": "childline" }),
            // The week after: not in this digest.
            search_alert(
                "e-digest-10",
                "2026-12-07T10:00:00.000Z",
                "prevent",
                "next week words",
                None,
            ),
        ],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-digest-001", &body).await.status,
        201
    );

    let page = http::get_with(hub.addr, "/digest?week=2026-12-02", &[("Cookie", &dsl)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = page.body;
    for expected in [
        "week of Monday 30 November 2026",
        "Prevent (radicalisation) search alerts: 1",
        "join the movement",
        "Other search alerts (self-harm, grooming, safeguarding): 1",
        "Repeated attempts to reach a blocked site: 1",
        "<td>casino.example</td><td>gambling</td><td>3</td>",
        "Attempts to get round the filter: 1",
        "proxy-site.example",
        "Searches for help: 1",
        PUPIL,
    ] {
        assert!(body.contains(expected), "{expected} missing: {body}");
    }
    assert!(!body.contains("next week words"), "only that week");
    assert!(
        !body.contains("<td>twice-only.example</td>"),
        "two attempts are not a run"
    );

    // This week: a device gone silent is listed.
    let beat = batch_body(
        "b-digest-002",
        "d-chromebook-99",
        Some(PUPIL),
        vec![heartbeat("e-digest-11", &Utc::now().to_rfc3339(), "active")],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-digest-002", &beat).await.status,
        201
    );
    let later = FixedClock(Utc::now() + Duration::minutes(11));
    monitor::check_silent_devices(&hub.store, &Notifier::default(), &later)
        .await
        .expect("check");
    let this_week = http::get_with(hub.addr, "/digest", &[("Cookie", &dsl)]).await;
    assert_eq!(this_week.status, 200);
    assert!(
        this_week.body.contains("Devices gone silent: 1"),
        "{}",
        this_week.body
    );
    assert!(this_week.body.contains("d-chromebook-99"));

    let bad = http::get_with(hub.addr, "/digest?week=soon", &[("Cookie", &dsl)]).await;
    assert_eq!(bad.status, 400);
    let log = hub.store.audit_log().await.expect("audit");
    assert!(log
        .iter()
        .any(|e| e.actor == "dsl" && e.action == "viewed-digest" && e.subject == "2026-11-30"));
    // A governor sees none of it.
    let governor = invited_session(&hub, &dsl, "governor", "governor").await;
    let refused = http::get_with(hub.addr, "/digest", &[("Cookie", &governor)]).await;
    assert_eq!(refused.status, 403);
    hub.stop().await;
}
