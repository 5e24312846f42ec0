//! Retention with a moved clock, on both back ends: closed safeguarding records go once they
//! are older than the configured years, open ones never, expired sessions go, and each run is in
//! the audit chain as counts only; also `schoolgate-hub retention run --now`.

use chrono::{DateTime, Utc};
use schoolgate_hub::audit;
use schoolgate_hub::retention::{self, FixedClock, RetentionPolicy, RetentionSummary};
use schoolgate_hub::store::Store;

use crate::on_both_backends;
use crate::support::{
    hub_command, post_signed, report_body, report_id, stdout, InProcessHub, TestDb, TEST_KEY,
};
use crate::web::{dsl_session, raw_sql};

on_both_backends!(
    a_moved_clock_deletes_only_closed_records_that_are_due,
    retention_run_takes_a_time_on_the_command_line,
);

fn at(text: &str) -> FixedClock {
    FixedClock(
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc),
    )
}

async fn post_dated(hub: &InProcessHub, id: &str, created_at: &str) {
    let mut body: serde_json::Value = serde_json::from_str(&report_body(id, 1)).expect("json");
    body["createdAt"] = created_at.into();
    let reply = post_signed(hub.addr, TEST_KEY, id, 1, &body.to_string()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

async fn entries(hub: &InProcessHub, id: &str, kinds: &[(&str, &str)]) {
    for (kind, detail) in kinds {
        hub.store
            .add_case_entry(id, "dsl", kind, detail)
            .await
            .expect("entry");
    }
}

async fn ids(hub: &InProcessHub) -> Vec<String> {
    let mut ids: Vec<String> = hub
        .store
        .reports()
        .await
        .expect("reports")
        .into_iter()
        .map(|r| r.id)
        .collect();
    ids.sort();
    ids
}

async fn a_moved_clock_deletes_only_closed_records_that_are_due(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let _session = dsl_session(&hub).await;
    let [old_closed, old_open, old_reopened, recent_closed] = [1, 2, 3, 4].map(report_id);
    post_dated(&hub, &old_closed, "2000-03-01T10:00:00.000Z").await;
    post_dated(&hub, &old_open, "2000-03-01T10:00:00.000Z").await;
    post_dated(&hub, &old_reopened, "2000-03-01T10:00:00.000Z").await;
    post_dated(&hub, &recent_closed, "2026-11-25T12:30:00.000Z").await;
    let close = [("outcome", "no-further-action"), ("close", "")];
    entries(&hub, &old_closed, &close).await;
    entries(&hub, &old_open, &[("note", "still working on it")]).await;
    entries(&hub, &old_reopened, &close).await;
    entries(&hub, &old_reopened, &[("reopen", "new disclosure")]).await;
    entries(&hub, &recent_closed, &close).await;
    let policy = RetentionPolicy::default();

    // Today: 2000's closed record is under 25 years old; nothing is due, the session is live.
    let today = retention::run(&hub.store, &policy, &at("2024-06-01T00:00:00Z"))
        .await
        .expect("run");
    assert_eq!(today, RetentionSummary::default());
    assert_eq!(ids(&hub).await.len(), 4);

    // 25 years on: only the closed one of 2000 goes, with its revisions and chronology (the
    // session, opened at the real time, has not expired at this moved one).
    let later = retention::run(&hub.store, &policy, &at("2025-03-02T00:00:00Z"))
        .await
        .expect("run");
    assert_eq!(
        later,
        RetentionSummary {
            reports: 1,
            sessions: 0,
            events: 0
        }
    );
    let mut left = vec![
        old_open.clone(),
        old_reopened.clone(),
        recent_closed.clone(),
    ];
    left.sort();
    assert_eq!(ids(&hub).await, left);
    assert!(hub
        .store
        .case_entries(&old_closed)
        .await
        .expect("read")
        .is_empty());
    assert!(!hub
        .store
        .revisions()
        .await
        .expect("revisions")
        .iter()
        .any(|r| r.id == old_closed));

    // A century on, with a shorter policy: every closed record is gone; open ones stay.
    let short = RetentionPolicy {
        report_years: 1,
        ..RetentionPolicy::default()
    };
    let far = retention::run(&hub.store, &short, &at("2126-01-01T00:00:00Z"))
        .await
        .expect("run");
    assert_eq!(
        far,
        RetentionSummary {
            reports: 1,
            sessions: 1,
            events: 0
        },
        "and the session has long expired"
    );
    left.retain(|id| id != &recent_closed);
    assert_eq!(ids(&hub).await, left, "open cases are never deleted");

    // Every run is in the chain, as counts.
    let log = hub.store.audit_log().await.expect("audit");
    let runs: Vec<(&str, &str)> = log
        .iter()
        .filter(|e| e.action == "retention-deleted")
        .map(|e| (e.actor.as_str(), e.subject.as_str()))
        .collect();
    assert_eq!(
        runs,
        [
            ("retention", "reports=0 sessions=0 events=0"),
            ("retention", "reports=1 sessions=0 events=0"),
            ("retention", "reports=1 sessions=1 events=0"),
        ]
    );
    assert_eq!(audit::verify(&log), Ok(()));
    // Outside retention, a kept report's chronology still cannot be deleted.
    assert!(raw_sql(
        &db.location(),
        &format!("DELETE FROM case_entries WHERE report_id = '{old_open}'")
    )
    .await
    .is_err());
    hub.stop().await;
}

async fn retention_run_takes_a_time_on_the_command_line(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let id = report_id(5);
    post_dated(&hub, &id, "2026-11-25T12:30:00.000Z").await;
    entries(&hub, &id, &[("outcome", "police"), ("close", "")]).await;
    hub.stop().await;

    let now = hub_command(&db, &["retention", "run"]);
    assert!(now.status.success(), "{now:?}");
    assert_eq!(
        stdout(&now).trim(),
        "retention: deleted reports=0 sessions=0 events=0"
    );
    let bad = hub_command(&db, &["retention", "run", "--now", "next tuesday"]);
    assert!(!bad.status.success());
    let moved = hub_command(&db, &["retention", "run", "--now", "2051-11-26T00:00:00Z"]);
    assert_eq!(
        stdout(&moved).trim(),
        "retention: deleted reports=1 sessions=0 events=0"
    );
    let store = db.open().await;
    assert!(store.reports().await.expect("reports").is_empty());
}
