//! The digest's half of issue 17, on both back ends: open search alerts at the top of the DSL's
//! inbox (and off it once made a record or dismissed); the weekly digest e-mailed once a week
//! with a moved clock, through a real SMTP conversation, with counts and no pupil data, also
//! from a second hub on the same database and by hand (`digest send`); the monthly usage report
//! (page, printable, e-mail); the governors' changes with small numbers hidden on both sides;
//! the school's list of expected devices (good and bad CSV) and the "never seen" flag.

use std::time::Duration;

use chrono::{DateTime, Utc};
use schoolgate_hub::digest_mail::{self, Schedule};
use schoolgate_hub::notify::{MailArgs, MailSettings};
use schoolgate_hub::retention::FixedClock;
use schoolgate_hub::store::{ApproveOutcome, DigestStore, PolicyStore, Store};
use serde_json::{json, Value};

use crate::events::{all_events, batch_body, blocked, heartbeat, search_alert, send};
use crate::on_both_backends;
use crate::roles::{invite, invited_session, join, session, NEW_PASSWORD};
use crate::support::mail::{mail_through, next_mail, smtp_server};
use crate::support::{self, forms, http, post_report, report_id, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(
    open_alerts_sit_at_the_top_of_the_inbox,
    the_weekly_digest_is_mailed_once_a_week_with_counts_only,
    digest_send_mails_a_week_by_hand,
    the_monthly_report_is_a_page_a_printout_and_counts_only,
    governors_see_changes_made_with_small_numbers_hidden,
    approved_policy_changes_are_counted_for_governors_and_the_month,
    the_expected_device_list_flags_devices_never_seen,
);

const PUPIL: &str = "amelia.pupil@oak-hill.example";
const DEVICE: &str = "d-chromebook-17";

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

fn help(id: &str, at: &str, terms: &str) -> Value {
    json!({ "id": id, "at": at, "kind": "help-seeking", "engine": "google", "terms": terms })
}

fn mail_args(port: u16) -> MailArgs {
    MailArgs {
        notify_email: vec![
            "dsl@oak-hill.example".into(),
            "deputy@oak-hill.example".into(),
        ],
        notify_interval: 60,
        online_safety_email: vec!["esafety@oak-hill.example".into()],
        ..mail_through(port)
    }
}

fn settings(port: u16) -> MailSettings {
    mail_args(port)
        .settings()
        .expect("settings")
        .expect("mail on")
}

/// The week of Monday 30 November 2026: a Prevent alert, a self-harm alert, a run of three
/// blocked visits, a search for help; and a blocked page in November for the monthly report.
async fn a_week_of_events(hub: &InProcessHub) {
    let body = batch_body(
        "b-sched-0001",
        DEVICE,
        Some(PUPIL),
        vec![
            search_alert(
                "e-sched-01",
                "2026-12-01T10:00:00.000Z",
                "prevent",
                "secret words",
                None,
            ),
            search_alert(
                "e-sched-02",
                "2026-12-02T10:00:00.000Z",
                "self-harm",
                "sad words",
                None,
            ),
            blocked(
                "e-sched-03",
                "2026-12-03T10:00:00.000Z",
                "casino.example",
                "gambling",
            ),
            blocked(
                "e-sched-04",
                "2026-12-03T10:05:00.000Z",
                "casino.example",
                "gambling",
            ),
            blocked(
                "e-sched-05",
                "2026-12-03T10:09:00.000Z",
                "casino.example",
                "gambling",
            ),
            help("e-sched-06", "2026-12-04T10:00:00.000Z", "childline words"),
            blocked(
                "e-sched-07",
                "2026-11-10T10:00:00.000Z",
                "casino.example",
                "gambling",
            ),
        ],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-sched-0001", &body).await.status,
        201
    );
}

fn assert_no_pupil_data(text: &str) {
    for pupil_data in [
        PUPIL,
        "amelia",
        "secret words",
        "sad words",
        "childline words",
        DEVICE,
    ] {
        assert!(!text.contains(pupil_data), "{pupil_data} in {text}");
    }
}

async fn seq_of(store: &impl Store, event_id: &str) -> i64 {
    all_events(store)
        .await
        .into_iter()
        .find(|e| e.event_id == event_id)
        .expect("stored")
        .seq
}

async fn open_alerts_sit_at_the_top_of_the_inbox(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    // A report the hub holds, and an alert the device linked to it: the report is in the inbox
    // already, so the alert is not listed again.
    let held = report_id(3);
    assert_eq!(post_report(hub.addr, TEST_KEY, &held, 1).await.status, 201);
    a_week_of_events(&hub).await;
    let linked = batch_body(
        "b-sched-0002",
        DEVICE,
        Some(PUPIL),
        vec![
            search_alert(
                "e-sched-10",
                "2026-12-05T10:00:00.000Z",
                "grooming",
                "linked words",
                Some(&held),
            ),
            search_alert(
                "e-sched-11",
                "2026-12-05T11:00:00.000Z",
                "safeguarding",
                "third words",
                None,
            ),
        ],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-sched-0002", &linked)
            .await
            .status,
        201
    );
    let prevent = seq_of(&hub.store, "e-sched-01").await;
    let self_harm = seq_of(&hub.store, "e-sched-02").await;
    let third = seq_of(&hub.store, "e-sched-11").await;

    let inbox = http::get_with(hub.addr, "/inbox", &[("Cookie", &dsl)]).await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    let body = &inbox.body;
    assert!(body.contains("3 search alerts waiting for you"), "{body}");
    for seq in [prevent, self_harm, third] {
        assert!(
            body.contains(&format!("href=\"/alerts/{seq}\"")),
            "{seq}: {body}"
        );
    }
    assert!(body.contains("secret words") && body.contains(PUPIL));
    // Above every report.
    let alerts_at = body.find("waiting for you").expect("alerts");
    let report_at = body.find(&format!("/reports/{held}")).expect("the report");
    assert!(alerts_at < report_at, "alerts first");
    // Other events are the digest's, not the inbox's.
    for other in ["casino.example", "childline words", "linked words"] {
        assert!(!body.contains(other), "{other} in the inbox");
    }
    let log = hub.store.audit_log().await.expect("audit");
    assert!(
        log.iter().any(|e| e.action == "viewed-alerts"
            && e.subject.starts_with("inbox: ")
            && e.subject.contains(&prevent.to_string())),
        "the alerts shown are audited"
    );

    // Made a safeguarding record: off the top (the record is a report in the inbox).
    let path = format!("/alerts/{prevent}");
    let auth = forms::open_form(hub.addr, &path, Some(&dsl)).await;
    let reply = forms::post(hub.addr, &format!("{path}/record"), &auth, &[]).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    // Dismissed, with a reason: off the top; without one: refused.
    let path = format!("/alerts/{self_harm}");
    let auth = forms::open_form(hub.addr, &path, Some(&dsl)).await;
    let refused = forms::post(
        hub.addr,
        &format!("{path}/dismiss"),
        &auth,
        &[("reason", "  ")],
    )
    .await;
    assert_eq!(refused.status, 400);
    let reply = forms::post(
        hub.addr,
        &format!("{path}/dismiss"),
        &auth,
        &[("reason", "spoke to the pupil: a song lyric")],
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let page = http::get_with(hub.addr, &path, &[("Cookie", &dsl)]).await;
    assert!(page.body.contains("Dismissed by dsl"), "{}", page.body);
    assert!(page.body.contains("a song lyric"));

    let inbox = http::get_with(hub.addr, "/inbox", &[("Cookie", &dsl)]).await;
    assert!(
        inbox.body.contains("1 search alert waiting for you"),
        "{}",
        inbox.body
    );
    assert!(inbox.body.contains(&format!("href=\"/alerts/{third}\"")));
    assert!(!inbox.body.contains(&format!("href=\"/alerts/{prevent}\"")));
    assert!(!inbox
        .body
        .contains(&format!("href=\"/alerts/{self_harm}\"")));
    let log = hub.store.audit_log().await.expect("audit");
    assert!(log
        .iter()
        .any(|e| e.action == "dismissed-alert" && e.subject == self_harm.to_string()));

    // A safeguarding reader's inbox has no alerts (only what is assigned to them).
    let reader = invited_session(&hub, &dsl, "reader", "safeguarding-reader").await;
    let theirs = http::get_with(hub.addr, "/inbox", &[("Cookie", &reader)]).await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.body.contains("waiting for you"));
    assert!(!theirs.body.contains("third words"));
    hub.stop().await;
}

async fn the_weekly_digest_is_mailed_once_a_week_with_counts_only(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    a_week_of_events(&hub).await;
    let (port, mut mail) = smtp_server().await;
    let settings = settings(port);
    let schedule = Schedule::default();

    // Sunday evening: last week's digest (23–29 November) is due, and the monthly report on
    // November (sent on Tuesday 1 December, its first school day).
    let sunday = FixedClock(utc("2026-12-06T20:00:00Z"));
    let sent = digest_mail::run_due(&hub.store, &settings, &schedule, &sunday)
        .await
        .expect("run");
    assert_eq!(sent, ["weekly:2026-W48", "monthly:2026-11"]);
    let last_week = next_mail(&mut mail, Duration::from_secs(5))
        .await
        .expect("last week's digest");
    assert!(last_week.text().contains("week of Monday 2026-11-23"));
    assert!(last_week.text().contains("0 Prevent"));
    let monthly = next_mail(&mut mail, Duration::from_secs(5))
        .await
        .expect("the monthly report");
    assert!(
        monthly
            .to
            .iter()
            .all(|t| t.contains("esafety@oak-hill.example")),
        "{:?}",
        monthly.to
    );
    assert!(
        monthly.text().contains("November 2026"),
        "{}",
        monthly.text()
    );
    assert!(
        monthly.text().contains("Blocked pages: 1"),
        "{}",
        monthly.text()
    );
    assert!(monthly
        .data
        .contains("https://hub.oak-hill.example/reports/monthly?month=2026-11"));
    assert_no_pupil_data(&monthly.text());

    // Monday 7 December, 06:59 school time (GMT): not yet; 07:00: this week's digest, once.
    let early = FixedClock(utc("2026-12-07T06:59:00Z"));
    let sent = digest_mail::run_due(&hub.store, &settings, &schedule, &early)
        .await
        .expect("run");
    assert!(sent.is_empty(), "{sent:?}");
    let monday = FixedClock(utc("2026-12-07T07:00:30Z"));
    let sent = digest_mail::run_due(&hub.store, &settings, &schedule, &monday)
        .await
        .expect("run");
    assert_eq!(sent, ["weekly:2026-W49"]);
    let weekly = next_mail(&mut mail, Duration::from_secs(5))
        .await
        .expect("the weekly digest");
    assert!(
        weekly.to.iter().any(|t| t.contains("dsl@oak-hill.example"))
            && weekly
                .to
                .iter()
                .any(|t| t.contains("deputy@oak-hill.example")),
        "{:?}",
        weekly.to
    );
    for expected in [
        "week of Monday 2026-11-30",
        "1 Prevent (radicalisation) search alert\n",
        "1 other search alert (",
        "1 run of repeated attempts",
        "1 search for help",
        "https://hub.oak-hill.example/digest?week=2026-11-30",
    ] {
        assert!(
            weekly.text().contains(expected),
            "{expected}: {}",
            weekly.text()
        );
    }
    assert_no_pupil_data(&weekly.text());
    assert!(!weekly.text().contains("casino.example"));

    // Later that day, and from a second hub on the same database: nothing more.
    let another_hub = db.open().await;
    let later = FixedClock(utc("2026-12-07T15:00:00Z"));
    for store in [&hub.store, &another_hub] {
        let sent = digest_mail::run_due(store, &settings, &schedule, &later)
            .await
            .expect("run");
        assert!(sent.is_empty(), "{sent:?}");
    }
    assert!(next_mail(&mut mail, Duration::from_secs(1)).await.is_none());

    // The mail server down on the next Monday: nothing is claimed, and the next run sends.
    let next_monday = FixedClock(utc("2026-12-14T07:05:00Z"));
    let down = settings_with_closed_port().await;
    assert!(
        digest_mail::run_due(&hub.store, &down, &schedule, &next_monday)
            .await
            .is_err()
    );
    let sent = digest_mail::run_due(&another_hub, &settings, &schedule, &next_monday)
        .await
        .expect("run");
    assert_eq!(sent, ["weekly:2026-W50"]);
    let weekly = next_mail(&mut mail, Duration::from_secs(5))
        .await
        .expect("the next digest");
    assert!(weekly.text().contains("week of Monday 2026-12-07"));
    hub.stop().await;
}

async fn settings_with_closed_port() -> MailSettings {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    settings(port)
}

async fn digest_send_mails_a_week_by_hand(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    a_week_of_events(&hub).await;
    hub.stop().await;
    let (port, mut mail) = smtp_server().await;
    let port_text = port.to_string();
    let run = |args: Vec<String>| {
        let db_args = db.args();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(support::hub_binary())
                .args(&args)
                .args(db_args)
                .env_remove("DATABASE_URL")
                .env("RUST_LOG", "warn")
                .output()
                .expect("run schoolgate-hub")
        })
    };
    let mail_options = |period: &[&str]| {
        let args: Vec<String> = ["digest", "send"]
            .iter()
            .chain(period)
            .chain(&[
                "--smtp-host",
                "127.0.0.1",
                "--smtp-port",
                port_text.as_str(),
                "--smtp-tls",
                "none",
                "--public-url",
                "https://hub.oak-hill.example",
                "--mail-from",
                "hub@oak-hill.example",
                "--notify-email",
                "dsl@oak-hill.example",
                "--online-safety-email",
                "esafety@oak-hill.example",
            ])
            .map(|s| s.to_string())
            .collect();
        args
    };
    let output = run(mail_options(&["--week", "2026-W49"]))
        .await
        .expect("ran");
    let printed = support::stdout(&output);
    assert!(
        output.status.success(),
        "{printed} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        printed.contains("sent the weekly digest for 2026-W49"),
        "{printed}"
    );
    let weekly = next_mail(&mut mail, Duration::from_secs(5))
        .await
        .expect("the digest");
    assert!(weekly
        .text()
        .contains("1 Prevent (radicalisation) search alert\n"));
    assert_no_pupil_data(&weekly.text());
    // The schedule does not send that week again.
    let store = db.open().await;
    let sent = digest_mail::run_due(
        &store,
        &settings(port),
        &Schedule::default(),
        &FixedClock(utc("2026-12-07T08:00:00Z")),
    )
    .await
    .expect("run");
    assert_eq!(sent, ["monthly:2026-11"]);
    next_mail(&mut mail, Duration::from_secs(5))
        .await
        .expect("the monthly report");

    let output = run(mail_options(&["--month", "2026-11"]))
        .await
        .expect("ran");
    assert!(output.status.success());
    let monthly = next_mail(&mut mail, Duration::from_secs(5))
        .await
        .expect("sent by hand");
    assert!(monthly.text().contains("November 2026"));

    for bad in [["--week", "2026-W99"], ["--month", "2026-13"]] {
        let output = run(mail_options(&bad)).await.expect("ran");
        assert!(!output.status.success());
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains("is not a"), "{said}");
    }
    // Without a mail server it says what is missing.
    let output = run(vec![
        "digest".into(),
        "send".into(),
        "--week".into(),
        "2026-W49".into(),
    ])
    .await
    .expect("ran");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--smtp-host"));
}

async fn the_monthly_report_is_a_page_a_printout_and_counts_only(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let mut events = Vec::new();
    for n in 0..7 {
        events.push(blocked(
            &format!("e-month-{n:03}"),
            "2026-11-10T10:00:00.000Z",
            "casino.example",
            "gambling",
        ));
    }
    events.push(blocked(
        "e-month-100",
        "2026-11-11T10:00:00.000Z",
        "chat-room.example",
        "chat",
    ));
    events.push(search_alert(
        "e-month-101",
        "2026-11-12T10:00:00.000Z",
        "prevent",
        "secret words",
        None,
    ));
    events.push(blocked(
        "e-month-102",
        "2026-12-01T10:00:00.000Z",
        "december.example",
        "gambling",
    ));
    let body = batch_body("b-month-001", DEVICE, Some(PUPIL), events);
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-month-001", &body).await.status,
        201
    );
    let page = http::get_with(
        hub.addr,
        "/reports/monthly?month=2026-11",
        &[("Cookie", &dsl)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    for expected in [
        "Monthly online-safety report: November 2026",
        "<tr><th scope=\"row\">Blocked pages</th><td>8</td></tr>",
        "<tr><th scope=\"row\">Prevent (radicalisation) search alerts</th><td>1</td></tr>",
        "<tr><th scope=\"row\">Commerce</th><td>7</td></tr>",
        "<tr><th scope=\"row\">Gambling (UKSIC)</th><td>7</td></tr>",
        "<tr><th scope=\"row\">casino.example</th><td>7</td></tr>",
        "<tr><th scope=\"row\">Years 3 to 6 (ks2)</th><td>8</td><td>0</td><td>1</td></tr>",
        "<tr><th scope=\"row\">Devices heard from</th><td>1</td></tr>",
        "/reports/monthly/print?month=2026-11",
    ] {
        assert!(page.body.contains(expected), "{expected}: {}", page.body);
    }
    assert!(!page.body.contains("december.example"), "only that month");
    assert_no_pupil_data(&page.body);
    let print = http::get_with(
        hub.addr,
        "/reports/monthly/print?month=2026-11",
        &[("Cookie", &dsl)],
    )
    .await;
    assert_eq!(print.status, 200);
    assert!(print.body.contains("Printed from Schoolgate Hub"));
    assert!(print.body.contains("<td>8</td>"));
    assert_no_pupil_data(&print.body);
    let bad = http::get_with(
        hub.addr,
        "/reports/monthly?month=2026-13",
        &[("Cookie", &dsl)],
    )
    .await;
    assert_eq!(bad.status, 400);
    let log = hub.store.audit_log().await.expect("audit");
    for action in ["viewed-monthly-report", "printed-monthly-report"] {
        assert!(log
            .iter()
            .any(|e| e.action == action && e.subject == "2026-11"));
    }
    // The IT lead reads it (counts only); a governor and a reader do not (their own pages).
    let mut cookies = Vec::new();
    for (name, role) in [
        ("itlead", "it-lead"),
        ("governor", "governor"),
        ("reader", "safeguarding-reader"),
    ] {
        let link = invite(&hub, &dsl, name, role).await;
        let (made, secret) = join(&hub, &link, NEW_PASSWORD).await;
        assert_eq!(made, 303);
        cookies.push(session(&hub, name, NEW_PASSWORD, &secret).await);
    }
    for (cookie, status) in cookies.iter().zip([200, 403, 403]) {
        let reply = http::get_with(
            hub.addr,
            "/reports/monthly?month=2026-11",
            &[("Cookie", cookie)],
        )
        .await;
        assert_eq!(reply.status, status);
    }
    hub.stop().await;
}

async fn governors_see_changes_made_with_small_numbers_hidden(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let report = report_id(5);
    assert_eq!(
        post_report(hub.addr, TEST_KEY, &report, 1).await.status,
        201
    );
    let governor = invited_session(&hub, &dsl, "governor", "governor").await;
    let label = "Changes made to what the filter lets through (pages unblocked or kept blocked, sites blocked or unblocked for the school)";
    let row = |cells: [&str; 4]| {
        format!(
            "<tr><th scope=\"row\">{label}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            cells[0], cells[1], cells[2], cells[3]
        )
    };
    let hidden = "not shown (small numbers)";
    // This term: two decisions and a note (not a change): hidden, and so is any trend.
    for kind in ["keep-blocked", "block-school", "note"] {
        hub.store
            .add_case_entry(&report, "dsl", kind, "casino.example")
            .await
            .expect("entry");
    }
    let page = http::get_with(hub.addr, "/figures/term", &[("Cookie", &governor)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains(&row(["fewer than 5", "fewer than 5", hidden, hidden])),
        "{}",
        page.body
    );
    assert!(page.body.contains("Filter checks done"));
    // Seven more: shown, rounded; last term's still hidden, so no change or trend.
    for _ in 0..7 {
        hub.store
            .add_case_entry(&report, "dsl", "unblock-school", "casino.example")
            .await
            .expect("entry");
    }
    let page = http::get_with(hub.addr, "/figures/term", &[("Cookie", &governor)]).await;
    assert!(
        page.body
            .contains(&row(["10", "fewer than 5", hidden, hidden])),
        "{}",
        page.body
    );
    assert!(!page.body.contains("casino.example"));
    // Next term, these are last term's: 10 against fewer than 5, nothing to compare.
    let term = schoolgate_hub::summary::Term::containing(Utc::now().date_naive()).next();
    let page = http::get_with(
        hub.addr,
        &format!("/figures/term?term={}", term.id()),
        &[("Cookie", &governor)],
    )
    .await;
    assert!(
        page.body
            .contains(&row(["fewer than 5", "10", hidden, hidden])),
        "{}",
        page.body
    );
    hub.stop().await;
}

/// Publishes `text` as the next version at `at` (the school's rule off: one approval publishes).
async fn publish_policy(store: &impl Store, text: &str, at: &str) -> i64 {
    let proposal =
        schoolgate_hub::policy_change::propose(text, "A change for the test", "dsl", at, None)
            .expect("valid");
    let id = store.add_policy_proposal(&proposal).await.expect("propose");
    match store.approve_policy(id, "dsl", at).await.expect("approve") {
        Ok(ApproveOutcome::Published(version)) => version,
        other => panic!("not published: {other:?}"),
    }
}

async fn approved_policy_changes_are_counted_for_governors_and_the_month(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let governor = invited_session(&hub, &dsl, "governor", "governor").await;
    hub.store
        .set_policy_second_approval(false, "dsl", "2026-11-01T09:00:00.000Z")
        .await
        .expect("rule");
    // Two versions in November 2026 (autumn term), one in December, one in January (spring).
    let text = |n: u32| format!("[school]\nname = \"Oak Hill Primary\"\n# change {n}\n");
    for (n, at) in [
        "2026-11-03T10:00:00.000Z",
        "2026-11-20T10:00:00.000Z",
        "2026-12-01T10:00:00.000Z",
        "2027-01-12T10:00:00.000Z",
    ]
    .into_iter()
    .enumerate()
    {
        publish_policy(&hub.store, &text(n as u32), at).await;
    }
    // A proposal declined is no change.
    let declined = schoolgate_hub::policy_change::propose(
        &text(9),
        "Not this one",
        "dsl",
        "2026-11-21T10:00:00.000Z",
        None,
    )
    .expect("valid");
    let id = hub
        .store
        .add_policy_proposal(&declined)
        .await
        .expect("propose");
    assert!(hub
        .store
        .close_policy_proposal(
            id,
            schoolgate_hub::policy_change::ProposalState::Declined,
            "dsl",
            "2026-11-22T10:00:00.000Z"
        )
        .await
        .expect("decline"));

    let usage = schoolgate_hub::usage::MonthlyUsage::read(
        &hub.store,
        schoolgate_hub::usage::Month::parse("2026-11").expect("month"),
    )
    .await
    .expect("usage");
    assert_eq!(usage.policy_changes, 2);
    assert!(usage
        .headline()
        .contains(&"Policy changes approved: 2".to_owned()));
    let page = http::get_with(
        hub.addr,
        "/reports/monthly?month=2026-11",
        &[("Cookie", &dsl)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("<th scope=\"row\">Policy changes approved</th><td>2</td>"),
        "{}",
        page.body
    );

    // Spring 2027 against autumn 2026: exact (a policy change names no pupil).
    let page = http::get_with(
        hub.addr,
        "/figures/term?term=2027-spring",
        &[("Cookie", &governor)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("Policy changes approved: 1 (Autumn term 2026: 3)"),
        "{}",
        page.body
    );
    hub.stop().await;
}

async fn the_expected_device_list_flags_devices_never_seen(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let it = invited_session(&hub, &dsl, "itlead", "it-lead").await;
    let beat = batch_body(
        "b-expect-01",
        DEVICE,
        Some(PUPIL),
        vec![heartbeat("e-expect-01", &Utc::now().to_rfc3339(), "active")],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-expect-01", &beat).await.status,
        201
    );

    // The Admin console's export, as it is: a header line names the columns.
    let csv = format!(
        "Serial Number,Device ID,Status\nSN-0001,{DEVICE},ACTIVE\nSN-0002,d-never-heard-01,ACTIVE\n"
    );
    let auth = forms::open_form(hub.addr, "/devices", Some(&it)).await;
    let reply = forms::post(hub.addr, "/devices/expected", &auth, &[("csv", &csv)]).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let page = http::get_with(hub.addr, "/devices", &[("Cookie", &it)]).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("1 device on the school&#39;s list")
            || page.body.contains("1 device on the school's list"),
        "{}",
        page.body
    );
    assert!(page.body.contains("SN-0002") && page.body.contains("d-never-heard-01"));
    assert!(page.body.contains("never seen"));
    assert!(!page.body.contains(PUPIL), "the IT lead sees no pupil");

    // A bad list: every bad line named, nothing changed.
    let bad = "d-chromebook-99,Trolley 1\nshort,Trolley 2\nd-chromebook-99,again\n";
    let reply = forms::post(hub.addr, "/devices/expected", &auth, &[("csv", bad)]).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    for said in [
        "line 2: &quot;short&quot; is not a device id",
        "line 3: device d-chromebook-99 is listed twice (first on line 1)",
        "nothing changed",
    ] {
        assert!(reply.body.contains(said), "{said}: {}", reply.body);
    }
    let listed = hub.store.expected_devices().await.expect("list");
    assert_eq!(
        listed.iter().map(|d| d.device.as_str()).collect::<Vec<_>>(),
        [DEVICE, "d-never-heard-01"],
        "the old list stands"
    );
    assert_eq!(listed[0].uploaded_by, "itlead");
    let log = hub.store.audit_log().await.expect("audit");
    assert!(log
        .iter()
        .any(|e| e.action == "uploaded-device-list" && e.actor == "itlead"));
    hub.stop().await;
}
