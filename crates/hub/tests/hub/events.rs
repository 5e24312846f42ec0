//! Receiving monitoring events (`docs/events.md`): every status the hub answers, a batch stored
//! once, nothing kept from a refusal, on both back ends; and two hub processes on one PostgreSQL
//! storing each batch once. The helpers here make batches as the extension does.

use std::net::SocketAddr;

use schoolgate_hub::signing_keys;
use schoolgate_hub::store::{EventFilter, EventStore, Store};
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{self, http, HubProcess, InProcessHub, Reply, TestDb, TEST_KEY};

on_both_backends!(
    stores_a_batch_once_with_its_device,
    refuses_every_bad_request_and_keeps_nothing,
    accepts_any_active_key_and_refuses_a_revoked_one,
    an_event_resent_in_a_new_batch_is_kept_once,
);

/// A batch body shaped like the extension's, as compact JSON.
pub fn batch_body(batch: &str, device: &str, user: Option<&str>, events: Vec<Value>) -> String {
    json!({
        "schema": "schoolgate-events/1",
        "batch": batch,
        "device": device,
        "user": user,
        "group": "ks2",
        "extensionVersion": "0.4.0",
        "sentAt": "2026-12-07T09:14:03.120Z",
        "events": events,
    })
    .to_string()
}

/// A heartbeat event.
pub fn heartbeat(id: &str, at: &str, state: &str) -> Value {
    json!({ "id": id, "at": at, "kind": "heartbeat", "state": state })
}

/// A blocked navigation.
pub fn blocked(id: &str, at: &str, host: &str, category: &str) -> Value {
    json!({ "id": id, "at": at, "kind": "blocked", "url": format!("https://{host}/page"), "host": host,
            "category": category, "rule": "school list", "via": "search" })
}

/// A search alert.
pub fn search_alert(id: &str, at: &str, alert: &str, terms: &str, report: Option<&str>) -> Value {
    json!({ "id": id, "at": at, "kind": "search-alert", "engine": "google", "terms": terms,
            "alert": alert, "reportId": report })
}

/// POSTs `body` to `/api/v1/events` with these header lines.
pub async fn post_events(addr: SocketAddr, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut head = format!(
        "POST /api/v1/events HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("\r\n{name}: {value}"));
    }
    http::raw(addr, &head, body).await.expect("HTTP exchange")
}

/// POSTs `body`, signed with `key`, naming `batch`, as the extension does.
pub async fn send(addr: SocketAddr, key: &str, batch: &str, body: &str) -> Reply {
    let signature = signing_keys::sign(key, body.as_bytes());
    post_events(
        addr,
        &[
            ("X-Schoolgate-Signature", &signature),
            ("X-Schoolgate-Batch-Id", batch),
        ],
        body.as_bytes(),
    )
    .await
}

/// Every stored event, oldest first.
pub async fn all_events(store: &impl EventStore) -> Vec<schoolgate_hub::store::StoredEvent> {
    store
        .events(&EventFilter {
            oldest_first: true,
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("events")
}

async fn stores_a_batch_once_with_its_device(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let body = batch_body(
        "b-00000001",
        "d-chromebook-1",
        Some("pupil.one@school.example"),
        vec![
            blocked(
                "e-00000001",
                "2026-12-07T09:13:50.000Z",
                "casino.example",
                "gambling",
            ),
            heartbeat("e-00000002", "2026-12-07T09:13:58.004Z", "active"),
        ],
    );
    let reply = send(hub.addr, TEST_KEY, "b-00000001", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["status"], "stored");
    assert_eq!(reply.json()["events"], 2);
    // The retry after a lost answer: 200, nothing changes.
    let reply = send(hub.addr, TEST_KEY, "b-00000001", &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["status"], "unchanged");

    let events = all_events(&hub.store).await;
    assert_eq!(events.len(), 2, "stored once: {events:?}");
    assert_eq!(events[0].kind, "blocked");
    assert_eq!(events[0].category.as_deref(), Some("gambling"));
    assert_eq!(events[0].host.as_deref(), Some("casino.example"));
    assert_eq!(events[0].user.as_deref(), Some("pupil.one@school.example"));
    assert_eq!(events[0].group, "ks2");
    assert_eq!(
        events[0].field("rule"),
        "school list",
        "the event kept as sent"
    );
    let devices = hub.store.devices().await.expect("devices");
    assert_eq!(devices.len(), 1);
    let device = &devices[0];
    assert_eq!(device.device, "d-chromebook-1");
    assert_eq!(device.extension_version, "0.4.0");
    assert_eq!(device.heartbeat_state.as_deref(), Some("active"));
    assert_eq!(
        device.last_event_at.as_deref(),
        Some("2026-12-07T09:13:58.004Z")
    );

    // An older heartbeat arriving late does not overwrite the newer state.
    let late = batch_body(
        "b-00000000",
        "d-chromebook-1",
        None,
        vec![heartbeat("e-00000000", "2026-12-07T09:00:00.000Z", "idle")],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-00000000", &late).await.status,
        201
    );
    let devices = hub.store.devices().await.expect("devices");
    assert_eq!(devices[0].heartbeat_state.as_deref(), Some("active"));
    assert_eq!(
        devices[0].last_event_at.as_deref(),
        Some("2026-12-07T09:13:58.004Z")
    );
    hub.stop().await;
}

async fn assert_nothing_stored(hub: &InProcessHub, why: &str) {
    assert!(
        all_events(&hub.store).await.is_empty(),
        "{why}: a refused request left an event"
    );
    assert!(
        hub.store.devices().await.expect("devices").is_empty(),
        "{why}: a refused request left a device"
    );
}

async fn refuses_every_bad_request_and_keeps_nothing(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let batch = "b-00000001";
    let good = batch_body(
        batch,
        "d-chromebook-1",
        None,
        vec![heartbeat(
            "e-00000001",
            "2026-12-07T09:13:58.004Z",
            "active",
        )],
    );
    let signature = signing_keys::sign(TEST_KEY, good.as_bytes());
    let forged = signing_keys::sign(&"f".repeat(64), good.as_bytes());

    // 401: no signature, a stranger's key, a malformed header, a body changed on the way.
    for (why, signature, body) in [
        ("no signature", None, good.clone()),
        ("a stranger's key", Some(forged.as_str()), good.clone()),
        ("not sha256=", Some("sha1=0123"), good.clone()),
        (
            "changed on the way",
            Some(signature.as_str()),
            good.replace("ks2", "ks1"),
        ),
    ] {
        let mut headers = vec![("X-Schoolgate-Batch-Id", batch)];
        if let Some(signature) = signature {
            headers.push(("X-Schoolgate-Signature", signature));
        }
        let reply = post_events(hub.addr, &headers, body.as_bytes()).await;
        assert_eq!(reply.status, 401, "{why}: {}", reply.body);
        assert_nothing_stored(&hub, why).await;
    }

    // 400: headers and JSON.
    let sign = |body: &str| signing_keys::sign(TEST_KEY, body.as_bytes());
    for (why, header, body) in [
        ("no batch header", None, good.clone()),
        (
            "a batch header with a slash",
            Some("b-../../x"),
            good.clone(),
        ),
        (
            "a header naming another batch",
            Some("b-99999999"),
            good.clone(),
        ),
        ("not JSON", Some(batch), "{\"schema\":".to_owned()),
    ] {
        let signature = sign(&body);
        let mut headers = vec![("X-Schoolgate-Signature", signature.as_str())];
        if let Some(header) = header {
            headers.push(("X-Schoolgate-Batch-Id", header));
        }
        let reply = post_events(hub.addr, &headers, body.as_bytes()).await;
        assert_eq!(reply.status, 400, "{why}: {}", reply.body);
        assert!(reply.json()["error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()));
        assert_nothing_stored(&hub, why).await;
    }

    // 422: signed JSON that is not a valid batch, with a reason. The last event is bad, so a
    // store that kept the first ones would show here.
    let ok_event = heartbeat("e-00000001", "2026-12-07T09:13:58.004Z", "active");
    let too_many: Vec<Value> = (0..501)
        .map(|n| heartbeat(&format!("e-{n:08}"), "2026-12-07T09:13:58.004Z", "idle"))
        .collect();
    for (why, body) in [
        (
            "no events",
            batch_body(batch, "d-chromebook-1", None, vec![]),
        ),
        (
            "501 events",
            batch_body(batch, "d-chromebook-1", None, too_many),
        ),
        (
            "an unknown kind",
            batch_body(
                batch,
                "d-chromebook-1",
                None,
                vec![
                    ok_event.clone(),
                    json!({ "id": "e-00000002", "at": "2026-12-07T09:13:59Z", "kind": "keystrokes" }),
                ],
            ),
        ),
        (
            "an event id with a dot",
            batch_body(
                batch,
                "d-chromebook-1",
                None,
                vec![
                    ok_event.clone(),
                    heartbeat("e-0000.002", "2026-12-07T09:13:59Z", "idle"),
                ],
            ),
        ),
        (
            "an address with its query",
            batch_body(
                batch,
                "d-chromebook-1",
                None,
                vec![
                    ok_event.clone(),
                    json!({ "id": "e-00000002", "at": "2026-12-07T09:13:59Z", "kind": "blocked", "url": "https://x.example/?q=my+name", "host": "x.example" }),
                ],
            ),
        ),
        (
            "a page title",
            batch_body(
                batch,
                "d-chromebook-1",
                None,
                vec![
                    json!({ "id": "e-00000002", "at": "2026-12-07T09:13:59Z", "kind": "visit", "host": "x.example", "title": "My diary" }),
                ],
            ),
        ),
        (
            "another schema",
            good.replace("schoolgate-events/1", "schoolgate-events/2"),
        ),
        ("a bad device id", good.replace("d-chromebook-1", "d-1")),
    ] {
        let reply = send(hub.addr, TEST_KEY, batch, &body).await;
        assert_eq!(reply.status, 422, "{why}: {}", reply.body);
        assert!(
            reply.json()["error"]
                .as_str()
                .is_some_and(|e| !e.is_empty()),
            "{why}: a reason"
        );
        assert_nothing_stored(&hub, why).await;
    }

    // 413: over 256 KiB, refused before it is read.
    let padding = "x".repeat(2000);
    let big_events: Vec<Value> = (0..140)
        .map(|n| json!({ "id": format!("e-{n:08}"), "at": "2026-12-07T09:13:58Z", "kind": "help-seeking", "engine": "google", "terms": padding }))
        .collect();
    let big = batch_body(batch, "d-chromebook-1", None, big_events);
    assert!(big.len() > 256 * 1024);
    let reply = send(hub.addr, TEST_KEY, batch, &big).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_nothing_stored(&hub, "too large").await;

    // And the good batch still goes in afterwards: nothing above used up its id.
    assert_eq!(send(hub.addr, TEST_KEY, batch, &good).await.status, 201);
    hub.stop().await;
}

async fn accepts_any_active_key_and_refuses_a_revoked_one(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let second = "9".repeat(64);
    support::add_key(&hub.store, "second", &second).await;
    let body = |batch: &str, event: &str| {
        batch_body(
            batch,
            "d-chromebook-1",
            None,
            vec![heartbeat(event, "2026-12-07T09:13:58.004Z", "active")],
        )
    };
    let first = body("b-00000001", "e-00000001");
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-00000001", &first).await.status,
        201
    );
    let other = body("b-00000002", "e-00000002");
    assert_eq!(
        send(hub.addr, &second, "b-00000002", &other).await.status,
        201
    );
    assert!(hub
        .store
        .revoke_signing_key("test", &schoolgate_hub::now())
        .await
        .expect("revoke"));
    let third = body("b-00000003", "e-00000003");
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-00000003", &third).await.status,
        401
    );
    // A replay of a batch it signed is refused too (401 before 200).
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-00000001", &first).await.status,
        401
    );
    assert_eq!(all_events(&hub.store).await.len(), 2);
    hub.stop().await;
}

async fn an_event_resent_in_a_new_batch_is_kept_once(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let event = blocked(
        "e-00000001",
        "2026-12-07T09:13:50.000Z",
        "casino.example",
        "gambling",
    );
    let a = batch_body("b-00000001", "d-chromebook-1", None, vec![event.clone()]);
    let b = batch_body(
        "b-00000002",
        "d-chromebook-1",
        None,
        vec![
            event,
            heartbeat("e-00000002", "2026-12-07T09:14:00.000Z", "idle"),
        ],
    );
    assert_eq!(send(hub.addr, TEST_KEY, "b-00000001", &a).await.status, 201);
    let reply = send(hub.addr, TEST_KEY, "b-00000002", &b).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["events"], 1, "only the new event is stored");
    // The same event id on another device is another event.
    let c = batch_body(
        "b-00000003",
        "d-chromebook-2",
        None,
        vec![blocked(
            "e-00000001",
            "2026-12-07T09:13:50.000Z",
            "casino.example",
            "gambling",
        )],
    );
    assert_eq!(send(hub.addr, TEST_KEY, "b-00000003", &c).await.status, 201);
    assert_eq!(all_events(&hub.store).await.len(), 3);
    hub.stop().await;
}

const BATCHES: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hubs_on_one_postgres_store_each_batch_once() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| HubProcess::start(&db));
        let b = s.spawn(|| HubProcess::start(&db));
        (a.join().expect("hub a"), b.join().expect("hub b"))
    });
    let key = "a".repeat(64);
    support::add_key(&db.open().await, "trust", &key).await;
    // Every batch goes to both hubs at the same moment, several times.
    let mut tasks = Vec::new();
    for n in 0..BATCHES {
        let batch = format!("b-{n:08}");
        let body = batch_body(
            &batch,
            &format!("d-device-{:04}", n % 7),
            None,
            (0..5)
                .map(|e| {
                    blocked(
                        &format!("e-{n:04}-{e:04}"),
                        "2026-12-07T09:13:50.000Z",
                        "casino.example",
                        "gambling",
                    )
                })
                .collect(),
        );
        for addr in [a.addr, b.addr, a.addr, b.addr] {
            let (key, batch, body) = (key.clone(), batch.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                (batch.clone(), send(addr, &key, &batch, &body).await.status)
            }));
        }
    }
    let mut created = std::collections::BTreeMap::<String, usize>::new();
    for task in tasks {
        let (batch, status) = task.await.expect("client");
        assert!(status == 201 || status == 200, "{batch}: {status}");
        if status == 201 {
            *created.entry(batch).or_default() += 1;
        }
    }
    assert_eq!(created.len(), BATCHES, "every batch stored");
    assert!(
        created.values().all(|n| *n == 1),
        "a batch acknowledged as new twice: {created:?}"
    );
    let store = db.open().await;
    assert_eq!(
        all_events(&store).await.len(),
        BATCHES * 5,
        "each event stored once"
    );
    assert_eq!(store.devices().await.expect("devices").len(), 7);
    drop((a, b));
}

on_both_backends!(a_backup_holds_the_events);

async fn a_backup_holds_the_events(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let body = batch_body(
        "b-backup-01",
        "d-chromebook-1",
        Some("pupil.one@school.example"),
        vec![
            blocked(
                "e-backup-01",
                "2026-12-07T09:13:50.000Z",
                "casino.example",
                "gambling",
            ),
            heartbeat("e-backup-02", "2026-12-07T09:13:58.004Z", "active"),
        ],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-backup-01", &body).await.status,
        201
    );
    let file = db.dir.path().join("events-backup.sqlite3");
    hub.store.backup(&file).await.expect("backup");
    let backup = schoolgate_hub::store::SqliteStore::open(&file)
        .await
        .expect("open the backup");
    assert_eq!(all_events(&backup).await, all_events(&hub.store).await);
    assert_eq!(
        backup.devices().await.expect("devices"),
        hub.store.devices().await.expect("devices")
    );
    // The batch is remembered in the backup too: sent again to a restored hub, it changes nothing.
    assert_eq!(
        backup
            .store_batch(
                &schoolgate_hub::events::read_batch(
                    Some("b-backup-01"),
                    body.as_bytes(),
                    "test",
                    "2026-12-07T09:14:00.000Z"
                )
                .expect("batch")
            )
            .await
            .expect("store"),
        schoolgate_hub::store::BatchOutcome::AlreadyStored
    );
    hub.stop().await;
}
