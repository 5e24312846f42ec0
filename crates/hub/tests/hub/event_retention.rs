//! Retention for monitoring events (evhub), on both back ends, with a moved clock: events go
//! `event_days` after they happened, `visit` and heartbeat events after `visit_days`; an alert
//! made a safeguarding record keeps its chronology in the record; each run's counts are audited.

use chrono::{DateTime, Utc};
use schoolgate_hub::retention::{self, FixedClock, RetentionPolicy};
use schoolgate_hub::store::{EventStore, Store};
use serde_json::json;

use crate::events::{all_events, batch_body, blocked, heartbeat, search_alert, send};
use crate::on_both_backends;
use crate::support::{forms, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(events_are_deleted_after_their_days_with_a_moved_clock);

fn at(text: &str) -> FixedClock {
    FixedClock(
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc),
    )
}

async fn kinds(hub: &InProcessHub) -> Vec<String> {
    all_events(&hub.store)
        .await
        .into_iter()
        .map(|e| e.event_id)
        .collect()
}

async fn events_are_deleted_after_their_days_with_a_moved_clock(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let body = batch_body(
        "b-keep-0001",
        "d-chromebook-17",
        Some("amelia.pupil@oak-hill.example"),
        vec![
            json!({ "id": "e-visit-001", "at": "2026-09-01T09:00:00.000Z", "kind": "visit", "host": "news.example" }),
            heartbeat("e-beat-0001", "2026-09-01T09:01:00.000Z", "active"),
            blocked(
                "e-block-001",
                "2026-09-01T09:02:00.000Z",
                "casino.example",
                "gambling",
            ),
            search_alert(
                "e-alert-001",
                "2026-09-01T09:03:00.000Z",
                "self-harm",
                "words",
                None,
            ),
            blocked(
                "e-block-002",
                "2026-11-20T09:00:00.000Z",
                "casino.example",
                "gambling",
            ),
        ],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-keep-0001", &body).await.status,
        201
    );
    // The DSL makes the alert a record before anything is deleted.
    let alert = all_events(&hub.store)
        .await
        .into_iter()
        .find(|e| e.kind == "search-alert")
        .expect("alert");
    let path = format!("/alerts/{}", alert.seq);
    let auth = forms::open_form(hub.addr, &path, Some(&dsl)).await;
    assert_eq!(
        forms::post(hub.addr, &format!("{path}/record"), &auth, &[])
            .await
            .status,
        303
    );

    let policy = RetentionPolicy::default(); // 90 days, visits and heartbeats 30
                                             // 29 days after the first ones: nothing is due.
    let summary = retention::run(&hub.store, &policy, &at("2026-09-30T09:00:00Z"))
        .await
        .expect("run");
    assert_eq!(summary.events, 0);
    assert_eq!(kinds(&hub).await.len(), 5);
    // 31 days: the visit and the heartbeat go; what the DSL acts on stays.
    let summary = retention::run(&hub.store, &policy, &at("2026-10-02T09:00:00Z"))
        .await
        .expect("run");
    assert_eq!(summary.events, 2);
    assert_eq!(
        kinds(&hub).await,
        ["e-block-001", "e-alert-001", "e-block-002"]
    );
    // 91 days: the September events go; November's stays.
    let summary = retention::run(&hub.store, &policy, &at("2026-12-01T09:00:00Z"))
        .await
        .expect("run");
    assert_eq!(summary.events, 2);
    assert_eq!(kinds(&hub).await, ["e-block-002"]);
    // The record made from the alert keeps its chronology.
    let record = hub.store.reports().await.expect("reports");
    assert_eq!(record.len(), 1);
    assert!(record[0].body.contains("casino.example") && record[0].body.contains("self-harm"));
    // A shorter policy, set like the others.
    let short = RetentionPolicy {
        event_days: 7,
        ..RetentionPolicy::default()
    };
    let summary = retention::run(&hub.store, &short, &at("2026-11-28T00:00:00Z"))
        .await
        .expect("run");
    assert_eq!(summary.events, 1);
    assert!(kinds(&hub).await.is_empty());
    // The device's latest state stays for the IT lead.
    assert_eq!(hub.store.devices().await.expect("devices").len(), 1);

    let log = hub.store.audit_log().await.expect("audit");
    let runs: Vec<&str> = log
        .iter()
        .filter(|e| e.action == "retention-deleted")
        .map(|e| e.subject.as_str())
        .collect();
    assert_eq!(
        runs,
        [
            "reports=0 sessions=0 events=0",
            "reports=0 sessions=0 events=2",
            "reports=0 sessions=0 events=2",
            "reports=0 sessions=0 events=1",
        ]
    );
    hub.stop().await;
}
