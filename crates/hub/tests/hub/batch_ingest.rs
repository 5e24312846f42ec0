//! Reports stored together (hubperf: SQLite's group commit stores every report waiting at one
//! moment in one transaction), on both back ends: many revisions of the same reports at once,
//! in any order; each answered truthfully, each accepted revision kept once, the highest wins.

use std::collections::BTreeSet;

use schoolgate_hub::store::{IngestOutcome, NewReport, Store};

use crate::on_both_backends;
use crate::support::{report_body, report_id, TestDb};

on_both_backends!(revisions_arriving_together_are_each_answered_truthfully);

async fn revisions_arriving_together_are_each_answered_truthfully(db: TestDb) {
    let store = db.open().await;
    const IDS: usize = 8;
    const REVISIONS: i64 = 8;
    // Every revision of every report at once, higher ones often first.
    let mut tasks = Vec::new();
    for round in 0..REVISIONS {
        for n in 0..IDS {
            let revision = (round * 5 + n as i64 * 3) % REVISIONS + 1;
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let id = report_id(n);
                let outcome = store
                    .ingest(&NewReport {
                        id: id.clone(),
                        revision,
                        body: report_body(&id, revision as u64),
                        created_at: Some("2026-11-25T12:30:00.000Z".into()),
                        signing_key: "test".into(),
                        received_at: schoolgate_hub::now(),
                    })
                    .await
                    .expect("ingest");
                (id, revision, outcome)
            }));
        }
    }
    let mut stored = BTreeSet::new();
    for task in tasks {
        let (id, revision, outcome) = task.await.expect("task");
        match outcome {
            IngestOutcome::Stored => assert!(stored.insert((id, revision)), "stored twice"),
            IngestOutcome::Unchanged { stored_revision } => {
                assert!(
                    stored_revision >= revision,
                    "{id}: {stored_revision} < {revision}"
                )
            }
        }
    }
    // What was answered "stored" is exactly what was kept, and every report ends at its highest.
    let kept: BTreeSet<(String, i64)> = store
        .revisions()
        .await
        .expect("revisions")
        .into_iter()
        .map(|r| (r.id, r.revision))
        .collect();
    assert_eq!(kept, stored);
    for n in 0..IDS {
        let report = store
            .report(&report_id(n))
            .await
            .expect("report")
            .expect("kept");
        assert_eq!(report.revision, REVISIONS);
        assert_eq!(report.body, report_body(&report_id(n), REVISIONS as u64));
    }
}
