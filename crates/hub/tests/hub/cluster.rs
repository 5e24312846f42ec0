//! Several hubs on one PostgreSQL behave as one: two `serve` processes, started together (both
//! migrate), receive the same reports in different orders; each revision is stored once, the
//! highest revision wins, and every stored write was acknowledged exactly once.

use std::collections::BTreeMap;

use schoolgate_hub::store::Store;

use crate::support::{self, post_report, report_body, report_id, HubProcess, TestDb};

const REPORTS: usize = 30;
const REVISIONS: u64 = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hubs_on_one_postgres_store_each_revision_once() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    // Both start on an empty database at the same moment: the migrations must not collide.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| HubProcess::start(&db));
        let b = s.spawn(|| HubProcess::start(&db));
        (a.join().expect("hub a"), b.join().expect("hub b"))
    });
    let key = "a".repeat(64);
    support::add_key(&db.open().await, "trust", &key).await;

    // Every (report, revision) goes to both hubs; the order is shuffled so higher revisions often
    // arrive before lower ones, and the two hubs race on the same rows.
    let mut sends: Vec<(usize, u64, std::net::SocketAddr)> = Vec::new();
    for n in 0..REPORTS {
        for revision in 1..=REVISIONS {
            sends.push((n, revision, a.addr));
            sends.push((n, revision, b.addr));
        }
    }
    let mut seed: u64 = 0x5eed;
    for i in (1..sends.len()).rev() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        sends.swap(i, (seed >> 33) as usize % (i + 1));
    }
    let mut tasks = Vec::new();
    for chunk in sends.chunks(sends.len().div_ceil(16)) {
        let (chunk, key) = (chunk.to_vec(), key.clone());
        tasks.push(tokio::spawn(async move {
            let mut replies = Vec::new();
            for (n, revision, addr) in chunk {
                let reply = post_report(addr, &key, &report_id(n), revision).await;
                replies.push((report_id(n), revision, reply.status));
            }
            replies
        }));
    }
    let mut created: BTreeMap<(String, u64), usize> = BTreeMap::new();
    for task in tasks {
        for (id, revision, status) in task.await.expect("client") {
            assert!(
                status == 201 || status == 200,
                "{id} revision {revision}: {status}"
            );
            if status == 201 {
                *created.entry((id, revision)).or_default() += 1;
            }
        }
    }
    assert!(
        created.values().all(|n| *n == 1),
        "a revision acknowledged as new twice: {created:?}"
    );

    let store = db.open().await;
    let revisions = store.revisions().await.expect("revisions");
    let stored: Vec<(String, u64)> = revisions
        .iter()
        .map(|r| (r.id.clone(), r.revision as u64))
        .collect();
    assert_eq!(
        stored,
        created.keys().cloned().collect::<Vec<_>>(),
        "stored exactly what was acknowledged as new"
    );
    assert!(revisions
        .iter()
        .all(|r| r.body == report_body(&r.id, r.revision as u64)));
    let reports = store.reports().await.expect("reports");
    assert_eq!(reports.len(), REPORTS, "one row per report, no duplicates");
    for report in reports {
        assert_eq!(
            report.revision, REVISIONS as i64,
            "{}: the highest revision wins",
            report.id
        );
        assert_eq!(report.body, report_body(&report.id, REVISIONS));
    }
    drop((a, b));
}
