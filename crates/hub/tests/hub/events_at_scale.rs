//! Monitoring events at a trust's scale (evbench, issue 17), on both back ends: the weekly digest
//! counts repeated attempts over the whole of a busy week (a trust of 10,000 pupils blocks
//! ~100,000 navigations a week; the digest once read only the first 20,000 events of a kind, so a
//! Friday's repeated attempts went unseen); a shorter `--silent-after` flags a device sooner; the
//! term generator of the events benchmark (`crates/hub/examples/events_bench/`) is deterministic,
//! synthetic and within the contract.

use chrono::{Duration, NaiveDate, Utc};
use schoolgate_hub::events::{read_batch, NewBatch, NewEvent};
use schoolgate_hub::monitor;
use schoolgate_hub::notify::Notifier;
use schoolgate_hub::retention::FixedClock;
use schoolgate_hub::store::EventStore;
use serde_json::json;

use crate::events::{batch_body, heartbeat, send};
use crate::on_both_backends;
use crate::support::{http, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

#[path = "../../examples/events_bench/term.rs"]
#[allow(dead_code)]
mod term;

on_both_backends!(
    a_busy_week_is_read_whole_by_the_digest,
    a_shorter_silent_after_flags_sooner,
);

/// More blocked events in a week than the digest once read of a kind.
const BUSY_WEEK: usize = 20_600;

async fn a_busy_week_is_read_whole_by_the_digest(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    // Monday to Thursday: one blocked navigation each for many pupils, none repeated.
    let monday = NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date");
    let mut events: Vec<NewEvent> = (0..BUSY_WEEK)
        .map(|n| {
            let at =
                monday.and_hms_opt(8, 0, 0).expect("a time") + Duration::seconds((n * 16) as i64);
            blocked_event(
                &format!("e-busy-{n:06}"),
                &at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                &format!("site-{n}.example"),
            )
        })
        .collect();
    // Friday afternoon: three attempts at one site within minutes.
    for (n, at) in [
        "2026-12-04T14:00:00.000Z",
        "2026-12-04T14:03:00.000Z",
        "2026-12-04T14:07:00.000Z",
    ]
    .iter()
    .enumerate()
    {
        events.push(blocked_event(
            &format!("e-friday-{n}"),
            at,
            "casino.example",
        ));
    }
    // Stored in one batch through the store (the route takes 500 at a time; this is the same
    // table the route writes).
    let batch = NewBatch {
        batch: "b-busy-week-0001".into(),
        device: "d-busy-week-01".into(),
        user: Some("pupil.busy@oak-hill.example".into()),
        group: "ks2".into(),
        extension_version: "0.4.0".into(),
        sent_at: "2026-12-04T15:00:00.000Z".into(),
        signing_key: "test".into(),
        received_at: "2026-12-04T15:00:01.000Z".into(),
        events,
    };
    hub.store.store_batch(&batch).await.expect("stored");

    let page = http::get_with(hub.addr, "/digest?week=2026-12-02", &[("Cookie", &dsl)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("Repeated attempts to reach a blocked site: 1"),
        "Friday's run is counted: {}",
        &page.body[..page.body.len().min(3000)]
    );
    assert!(page
        .body
        .contains("<td>casino.example</td><td>gambling</td><td>3</td>"));
    assert!(
        !page.body.contains("more events than the digest reads"),
        "every blocked event of the week was read"
    );
    hub.stop().await;
}

/// One checked `blocked` event, as `read_batch` makes it from the contract's JSON.
fn blocked_event(id: &str, at: &str, host: &str) -> NewEvent {
    let body = batch_body(
        "b-one-event-01",
        "d-busy-week-01",
        None,
        vec![
            json!({ "id": id, "at": at, "kind": "blocked", "url": format!("https://{host}/"), "host": host,
                     "category": "gambling", "rule": "built-in/gambling.txt", "via": "typed" }),
        ],
    );
    let batch =
        read_batch(Some("b-one-event-01"), body.as_bytes(), "test", at).expect("a valid event");
    batch.events.into_iter().next().expect("one event")
}

async fn a_shorter_silent_after_flags_sooner(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let body = batch_body(
        "b-short-silence-1",
        "d-short-silence",
        None,
        vec![heartbeat("e-short-silence-1", &at, "active")],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-short-silence-1", &body)
            .await
            .status,
        201
    );
    let check = |seconds: i64, after: i64| {
        let store = hub.store.clone();
        async move {
            let clock = FixedClock(Utc::now() + Duration::seconds(seconds));
            monitor::check_silent_devices_after(
                &store,
                &Notifier::default(),
                &clock,
                Duration::seconds(after),
            )
            .await
            .expect("check")
            .len()
        }
    };
    assert_eq!(check(15, 20).await, 0, "not yet 20 s");
    assert_eq!(check(25, 20).await, 1, "flagged after 20 s of silence");
    assert!(hub.store.devices().await.expect("devices")[0]
        .silent_since
        .is_some());
    hub.stop().await;
}

#[test]
fn the_watch_looks_four_times_within_a_short_threshold_and_every_minute_otherwise() {
    use std::time::Duration;
    assert_eq!(
        monitor::watch_interval(Duration::from_secs(600)),
        Duration::from_secs(60)
    );
    assert_eq!(
        monitor::watch_interval(Duration::from_secs(20)),
        Duration::from_secs(5)
    );
    assert_eq!(
        monitor::watch_interval(Duration::from_secs(2)),
        Duration::from_secs(1)
    );
}

#[test]
fn the_benchmark_term_is_deterministic_synthetic_and_valid() {
    let term = term::Term {
        devices: 40,
        weeks: 2,
        ..term::Term::default()
    };
    let days = term.days();
    assert_eq!(days.len(), 10);
    assert_eq!(
        days[5],
        NaiveDate::from_ymd_opt(2026, 9, 14).expect("a date"),
        "weekends skipped"
    );
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for device in 0..term.devices {
        assert!(
            term::account(device).ends_with("@example.school"),
            "synthetic accounts only"
        );
        for day in 0..days.len() as u32 {
            let events = term.device_day(device, day);
            assert_eq!(events, term.device_day(device, day), "the same every time");
            for event in &events {
                *kinds.entry(event.kind).or_default() += 1;
                assert!(event.at.date() == days[day as usize]);
            }
            // Every device-day is a valid batch under the hub's own rules.
            if events.is_empty() {
                continue;
            }
            let body = json!({
                "schema": "schoolgate-events/1", "batch": "b-term-smoke", "device": term::device_id(device),
                "user": term::account(device), "group": term::group(device), "extensionVersion": "0.4.0",
                "sentAt": "2026-12-07T09:00:00.000Z", "events": events.iter().map(|e| &e.body).collect::<Vec<_>>(),
            });
            read_batch(
                Some("b-term-smoke"),
                body.to_string().as_bytes(),
                "k",
                "2026-12-07T09:00:00.000Z",
            )
            .unwrap_or_else(|e| panic!("device {device} day {day}: {e}"));
        }
    }
    // Heartbeats dominate; blocked events are next; the rest are rarer.
    let per_device_day = |kind| kinds.get(kind).copied().unwrap_or(0) as f64 / 400.0;
    assert!(
        (10.0..40.0).contains(&per_device_day("heartbeat")),
        "{kinds:?}"
    );
    assert!((0.5..4.0).contains(&per_device_day("blocked")), "{kinds:?}");
    assert!(
        kinds.get("blocked") > kinds.get("circumvention"),
        "{kinds:?}"
    );
}
