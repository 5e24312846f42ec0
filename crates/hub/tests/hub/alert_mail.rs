//! Monitoring e-mail (evhub) through a real SMTP conversation (a minimal SMTP server on
//! 127.0.0.1, spoken to by the hub's own mail client): a Prevent alert reaches the DSL at once as
//! a link with no pupil data; a burst is capped per kind and summarised in the next e-mail, while
//! a self-harm alert in the middle still goes at once; an alert whose report the hub holds is not
//! mailed twice; a device gone silent is mailed to the IT lead with no pupil data.

use std::time::Duration;

use schoolgate_hub::config::Limits;
use schoolgate_hub::notify::{MailArgs, Notifier, TlsMode};
use schoolgate_hub::retention::FixedClock;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::events::{batch_body, heartbeat, search_alert, send};
use crate::on_both_backends;
use crate::support::{self, post_report, report_id, TestDb, TEST_KEY};

/// One message as the SMTP server received it.
#[derive(Debug)]
pub(crate) struct Mail {
    pub(crate) to: Vec<String>,
    pub(crate) data: String,
}

/// A minimal SMTP server: accepts every message and hands it on.
pub(crate) async fn smtp_server() -> (u16, mpsc::UnboundedReceiver<Mail>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sender = sender.clone();
            tokio::spawn(async move {
                let (reader, mut writer) = stream.into_split();
                let mut lines = BufReader::new(reader).lines();
                let _ = writer.write_all(b"220 test ESMTP\r\n").await;
                let (mut to, mut data, mut in_data) = (Vec::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            let _ = sender.send(Mail {
                                to: std::mem::take(&mut to),
                                data: std::mem::take(&mut data),
                            });
                            let _ = writer.write_all(b"250 queued\r\n").await;
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 test\r\n",
                        "RCPT" => {
                            to.push(line.to_owned());
                            b"250 ok\r\n"
                        }
                        "DATA" => {
                            in_data = true;
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            let _ = writer.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = writer.write_all(reply).await;
                }
            });
        }
    });
    (port, receiver)
}

pub(crate) async fn next_mail(
    mail: &mut mpsc::UnboundedReceiver<Mail>,
    within: Duration,
) -> Option<Mail> {
    tokio::time::timeout(within, mail.recv())
        .await
        .ok()
        .flatten()
}

const PUPIL: &str = "amelia.pupil@oak-hill.example";
const INTERVAL_SECS: u64 = 4;

on_both_backends!(alerts_and_silent_devices_are_mailed_capped_and_without_pupil_data);

async fn alerts_and_silent_devices_are_mailed_capped_and_without_pupil_data(db: TestDb) {
    let store = db.open().await;
    support::add_key(&store, "test", TEST_KEY).await;
    let (port, mut mail) = smtp_server().await;
    let settings = MailArgs {
        public_url: Some("https://hub.oak-hill.example".into()),
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(port),
        smtp_tls: Some(TlsMode::None),
        mail_from: Some("Hub <hub@oak-hill.example>".into()),
        notify_email: vec!["dsl@oak-hill.example".into()],
        notify_interval: INTERVAL_SECS,
        it_lead_email: vec!["it@oak-hill.example".into()],
        ..MailArgs::default()
    }
    .settings()
    .expect("settings")
    .expect("mail on");
    let notifier = Notifier::start(settings).expect("notifier");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(schoolgate_hub::serve_notifying(
        store.clone(),
        listener,
        Limits::default(),
        notifier.clone(),
        std::future::pending(),
    ));

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
