//! Monitoring e-mail (evhub) through a real SMTP conversation (a minimal SMTP server on
//! 127.0.0.1, spoken to by the hub's own mail client): a Prevent alert reaches the DSL at once as
//! a link with no pupil data; a burst is capped per kind and summarised in the next e-mail, while
//! a self-harm alert in the middle still goes at once; an alert whose report the hub holds is not
//! mailed twice; a device gone silent is mailed to the IT lead with no pupil data.

use std::time::Duration;

use schoolgate_hub::retention::FixedClock;

use crate::events::{batch_body, heartbeat, search_alert, send};
use crate::on_both_backends;
use crate::support::mail::{next_mail, MailingHub};
use crate::support::{self, post_report, report_id, TestDb, TEST_KEY};

const PUPIL: &str = "amelia.pupil@oak-hill.example";
const INTERVAL_SECS: u64 = 4;

on_both_backends!(alerts_and_silent_devices_are_mailed_capped_and_without_pupil_data);

async fn alerts_and_silent_devices_are_mailed_capped_and_without_pupil_data(db: TestDb) {
    let store = db.open().await;
    support::add_key(&store, "test", TEST_KEY).await;
    let MailingHub {
        addr,
        notifier,
        mut mail,
    } = MailingHub::start(&store, INTERVAL_SECS).await;

    let alert = |n: usize, kind: &str, report: Option<&str>| {
        let batch = format!("b-mail-{n:04}");
        let body = batch_body(
            &batch,
            "d-chromebook-17",
            Some(PUPIL),
            vec![search_alert(
                &format!("e-mail-{n:04}"),
                "2026-12-07T09:05:00.000Z",
                kind,
                "secret words",
                report,
            )],
        );
        (batch, body)
    };
    // A report first (its own e-mail is the report notifier's, not the subject here).
    let held = report_id(9);
    assert_eq!(post_report(addr, TEST_KEY, &held, 1).await.status, 201);
    let report_mail = next_mail(&mut mail, Duration::from_secs(10))
        .await
        .expect("the report's e-mail");
    assert!(report_mail.data.contains(&format!("/reports/{held}")));

    let (batch, body) = alert(1, "prevent", None);
    let sent = tokio::time::Instant::now();
    assert_eq!(send(addr, TEST_KEY, &batch, &body).await.status, 201);
    let first = next_mail(&mut mail, Duration::from_secs(10))
        .await
        .expect("an e-mail at once");
    assert!(
        sent.elapsed() < Duration::from_secs(3),
        "at once, not after the cap"
    );
    assert!(
        first.to.iter().any(|t| t.contains("dsl@oak-hill.example")),
        "{:?}",
        first.to
    );
    assert!(
        first.data.contains("https://hub.oak-hill.example/alerts/"),
        "{}",
        first.data
    );
    assert!(first.data.contains("Prevent"));
    for pupil_data in [PUPIL, "amelia", "secret words", "d-chromebook-17"] {
        assert!(
            !first.data.contains(pupil_data),
            "the e-mail carried {pupil_data}"
        );
    }

    // A burst of five more Prevent alerts: held for the cap, then one e-mail with five links. A
    // self-harm alert meanwhile goes at once; an alert whose report the hub holds is not mailed.
    for n in 2..=6 {
        let (batch, body) = alert(n, "prevent", None);
        assert_eq!(send(addr, TEST_KEY, &batch, &body).await.status, 201);
    }
    let (batch, body) = alert(7, "grooming", Some(&held));
    assert_eq!(send(addr, TEST_KEY, &batch, &body).await.status, 201);
    let (batch, body) = alert(8, "self-harm", None);
    assert_eq!(send(addr, TEST_KEY, &batch, &body).await.status, 201);
    let self_harm = next_mail(&mut mail, Duration::from_secs(3))
        .await
        .expect("self-harm at once");
    assert!(self_harm.data.contains("self-harm"), "{}", self_harm.data);
    let summary = next_mail(&mut mail, Duration::from_secs(INTERVAL_SECS + 5))
        .await
        .expect("the summary");
    assert!(summary.data.contains("5 Prevent"), "{}", summary.data);
    assert_eq!(
        summary.data.matches("/alerts/").count(),
        5,
        "a link to each of the five: {}",
        summary.data
    );
    assert!(
        next_mail(&mut mail, Duration::from_secs(INTERVAL_SECS + 1))
            .await
            .is_none(),
        "nothing else: the grooming alert's report was already there"
    );

    // A device gone silent: the IT lead is told how many, and nothing about who.
    let body = batch_body(
        "b-mail-beat",
        "d-chromebook-17",
        Some(PUPIL),
        vec![heartbeat(
            "e-mail-beat",
            "2026-12-07T09:05:00.000Z",
            "active",
        )],
    );
    assert_eq!(send(addr, TEST_KEY, "b-mail-beat", &body).await.status, 201);
    let later = FixedClock(chrono::Utc::now() + chrono::Duration::minutes(11));
    let flagged = schoolgate_hub::monitor::check_silent_devices(&store, &notifier, &later)
        .await
        .expect("check");
    assert_eq!(flagged.len(), 1);
    let silent = next_mail(&mut mail, Duration::from_secs(10))
        .await
        .expect("the IT lead's e-mail");
    assert!(
        silent.to.iter().all(|t| t.contains("it@oak-hill.example")),
        "{:?}",
        silent.to
    );
    assert!(silent.data.contains("https://hub.oak-hill.example/devices"));
    for pupil_data in [PUPIL, "amelia", "d-chromebook-17"] {
        assert!(
            !silent.data.contains(pupil_data),
            "the e-mail carried {pupil_data}"
        );
    }
}
