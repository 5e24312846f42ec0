//! `kill -9` during a burst: every report that got a 2xx is there after a restart, and the
//! extension's retries (every revision sent again) deliver the rest exactly once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use schoolgate_hub::store::Store;

use crate::on_both_backends;
use crate::support::{self, post_report, report_body, report_id, HubProcess, TestDb};

on_both_backends!(kill_9_during_a_burst_loses_nothing_acknowledged);

const REPORTS: usize = 120;
const REVISIONS: u64 = 2;
const CLIENTS: usize = 12;

/// Sends every report's revisions in order (as one Chromebook would), `CLIENTS` at a time;
/// returns what was acknowledged (status per id and revision) until the hub stopped answering.
async fn burst(
    addr: std::net::SocketAddr,
    key: Arc<String>,
    answered: Arc<AtomicUsize>,
) -> BTreeMap<(String, u64), u16> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (next, key, answered) = (next.clone(), key.clone(), answered.clone());
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = BTreeMap::new();
            'reports: loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= REPORTS {
                    break;
                }
                let id = report_id(n);
                for revision in 1..=REVISIONS {
                    let signature = schoolgate_hub::signing_keys::sign(
                        &key,
                        report_body(&id, revision).as_bytes(),
                    );
                    let revision_text = revision.to_string();
                    let body = report_body(&id, revision);
                    let headers = [
                        ("X-Schoolgate-Signature", signature.as_str()),
                        ("X-Schoolgate-Report-Id", id.as_str()),
                        ("X-Schoolgate-Revision", revision_text.as_str()),
                    ];
                    match try_post(addr, &headers, body.as_bytes()).await {
                        Some(status) => {
                            answered.fetch_add(1, Ordering::SeqCst);
                            acknowledged.insert((id.clone(), revision), status);
                            if !(200..300).contains(&status) {
                                break 'reports;
                            }
                        }
                        // The hub is gone: this Chromebook would keep the report and retry later.
                        None => break 'reports,
                    }
                }
            }
            acknowledged
        }));
    }
    let mut all = BTreeMap::new();
    for task in tasks {
        all.extend(task.await.expect("client"));
    }
    all
}

async fn try_post(
    addr: std::net::SocketAddr,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<u16> {
    let mut head = format!(
        "POST /api/v1/reports HTTP/1.1\r\nContent-Length: {}",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("\r\n{name}: {value}"));
    }
    support::http::raw(addr, &head, body)
        .await
        .ok()
        .map(|r| r.status)
}

async fn kill_9_during_a_burst_loses_nothing_acknowledged(db: TestDb) {
    let store = db.open().await;
    let key = "c".repeat(64);
    support::add_key(&store, "chromebooks", &key).await;
    let mut hub = HubProcess::start(&db);
    let answered = Arc::new(AtomicUsize::new(0));
    let sending = tokio::spawn(burst(hub.addr, Arc::new(key.clone()), answered.clone()));
    // Kill it mid-burst: once a third of the requests have been answered.
    while answered.load(Ordering::SeqCst) < REPORTS * REVISIONS as usize / 3 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    hub.kill9();
    let acknowledged = sending.await.expect("burst");
    let before_kill = acknowledged.len();
    assert!(
        before_kill >= REPORTS * REVISIONS as usize / 3,
        "only {before_kill} answered before the kill"
    );
    assert!(
        acknowledged.values().all(|s| *s == 201),
        "every first delivery is new: {acknowledged:?}"
    );

    // Restarted: every acknowledged revision is there, exactly as sent.
    let hub = HubProcess::start(&db);
    let stored: BTreeMap<(String, i64), String> = store
        .revisions()
        .await
        .expect("revisions")
        .into_iter()
        .map(|r| ((r.id, r.revision), r.body))
        .collect();
    for (id, revision) in acknowledged.keys() {
        let body = stored.get(&(id.clone(), *revision as i64));
        assert_eq!(
            body.map(String::as_str),
            Some(report_body(id, *revision).as_str()),
            "{id} revision {revision} was acknowledged, then lost"
        );
    }
    assert!(
        stored.len() < REPORTS * REVISIONS as usize,
        "the kill came after the burst: nothing was tested"
    );

    // The retries: every revision of every report sent again, in order.
    let mut stored_again = 0;
    for n in 0..REPORTS {
        let id = report_id(n);
        for revision in 1..=REVISIONS {
            let reply = post_report(hub.addr, &key, &id, revision).await;
            match reply.status {
                201 => stored_again += 1,
                200 => assert!(
                    stored.contains_key(&(id.clone(), revision as i64)),
                    "200 for {id} revision {revision}, which was not stored"
                ),
                other => panic!("{id} revision {revision}: {other} {}", reply.body),
            }
        }
    }
    assert_eq!(
        stored.len() + stored_again,
        REPORTS * REVISIONS as usize,
        "each revision stored exactly once"
    );
    let revisions = store.revisions().await.expect("revisions");
    let unique: BTreeSet<_> = revisions
        .iter()
        .map(|r| (r.id.clone(), r.revision))
        .collect();
    assert_eq!(
        (revisions.len(), unique.len()),
        (REPORTS * REVISIONS as usize, REPORTS * REVISIONS as usize)
    );
    let reports = store.reports().await.expect("reports");
    assert_eq!(reports.len(), REPORTS);
    assert!(reports
        .iter()
        .all(|r| r.revision == REVISIONS as i64 && r.body == report_body(&r.id, REVISIONS)));
}
