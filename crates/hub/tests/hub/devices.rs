//! Devices (evhub), on both back ends: each device's latest state, a device gone silent while in
//! use flagged once after 10 minutes (a moved clock), and the devices page: the IT lead sees the
//! devices and which went silent, never who used them; the DSL sees the user too.

use chrono::{Duration, Utc};
use schoolgate_hub::monitor;
use schoolgate_hub::notify::Notifier;
use schoolgate_hub::retention::FixedClock;
use schoolgate_hub::store::{EventStore, Store};

use crate::events::{batch_body, blocked, heartbeat, send};
use crate::on_both_backends;
use crate::roles::invited_session;
use crate::support::{http, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(
    an_active_device_that_goes_quiet_is_flagged_once_after_ten_minutes,
    the_it_lead_sees_devices_and_no_pupil,
);

const PUPIL: &str = "amelia.pupil@oak-hill.example";

fn at(minutes: i64) -> String {
    (Utc::now() + Duration::minutes(minutes)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Sends one heartbeat from `device` in state `state`.
async fn beat(hub: &InProcessHub, device: &str, n: usize, state: &str) {
    let batch = format!("b-{device}-{n:04}");
    let body = batch_body(
        &batch,
        device,
        Some(PUPIL),
        vec![heartbeat(&format!("e-{device}-{n:04}"), &at(0), state)],
    );
    let reply = send(hub.addr, TEST_KEY, &batch, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

async fn check(hub: &InProcessHub, minutes: i64) -> Vec<String> {
    let clock = FixedClock(Utc::now() + Duration::minutes(minutes));
    monitor::check_silent_devices(&hub.store, &Notifier::default(), &clock)
        .await
        .expect("check")
        .into_iter()
        .map(|d| d.device)
        .collect()
}

async fn an_active_device_that_goes_quiet_is_flagged_once_after_ten_minutes(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    beat(&hub, "d-in-use-01", 1, "active").await;
    beat(&hub, "d-asleep-01", 1, "idle").await;
    beat(&hub, "d-closed-01", 1, "locked").await;

    assert!(check(&hub, 9).await.is_empty(), "not yet 10 minutes");
    assert_eq!(
        check(&hub, 11).await,
        ["d-in-use-01"],
        "only the active one"
    );
    assert!(
        check(&hub, 12).await.is_empty(),
        "flagged once, not every minute"
    );
    let devices = hub.store.devices().await.expect("devices");
    let flagged: Vec<&str> = devices
        .iter()
        .filter(|d| d.silent_since.is_some())
        .map(|d| d.device.as_str())
        .collect();
    assert_eq!(flagged, ["d-in-use-01"]);

    // Heard from again: the flag goes, and a new silence is flagged again.
    beat(&hub, "d-in-use-01", 2, "active").await;
    let devices = hub.store.devices().await.expect("devices");
    assert!(devices.iter().all(|d| d.silent_since.is_none()));
    assert_eq!(check(&hub, 11).await, ["d-in-use-01"]);

    // A device that says it is idle before going quiet is not flagged.
    beat(&hub, "d-in-use-01", 3, "idle").await;
    assert!(check(&hub, 30).await.is_empty());
    hub.stop().await;
}

async fn the_it_lead_sees_devices_and_no_pupil(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let itlead = invited_session(&hub, &dsl, "itlead", "it-lead").await;

    let body = batch_body(
        "b-page-0001",
        "d-chromebook-17",
        Some(PUPIL),
        vec![
            blocked("e-page-0001", &at(-1), "casino.example", "gambling"),
            heartbeat("e-page-0002", &at(0), "active"),
        ],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-page-0001", &body).await.status,
        201
    );
    assert_eq!(check(&hub, 11).await, ["d-chromebook-17"]);

    let keys = http::get_with(hub.addr, "/keys", &[("Cookie", &itlead)]).await;
    assert!(
        keys.body.contains("href=\"/devices\""),
        "linked from the IT lead's start page"
    );
    let page = http::get_with(hub.addr, "/devices", &[("Cookie", &itlead)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("d-chromebook-17"));
    assert!(page.body.contains("0.4.0"), "the extension's version");
    assert!(
        page.body.contains("stopped reporting while in use"),
        "{}",
        page.body
    );
    for pupil_data in [PUPIL, "amelia", "casino.example"] {
        assert!(
            !page.body.contains(pupil_data),
            "the IT lead saw {pupil_data}"
        );
    }
    // Nothing else about events is the IT lead's.
    for path in ["/alerts", "/events", "/alerts/1"] {
        let reply = http::get_with(hub.addr, path, &[("Cookie", &itlead)]).await;
        assert_eq!(reply.status, 403, "{path}");
    }
    let page = http::get_with(hub.addr, "/devices", &[("Cookie", &dsl)]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(PUPIL), "the DSL sees who last used it");
    let log = hub.store.audit_log().await.expect("audit");
    assert!(log
        .iter()
        .any(|e| e.actor == "dsl" && e.action == "viewed-devices"));
    hub.stop().await;
}
