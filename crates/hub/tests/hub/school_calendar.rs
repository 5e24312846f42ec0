//! The hub follows the school's own calendar (hubcal): the approved policy's `[calendar]`, read
//! through the core's parser. Data-driven: what each day is and how many school days pass
//! between two dates (`tests/fixtures/hub/school-calendar/`: term boundaries, half-term, INSET
//! days, no calendar, a calendar that has ended); the governors' summary by the calendar's terms
//! (and the fixed months, said so, without one); "not seen for 5 school days" on `/devices` with
//! the real `--silent-after`; no silent-device e-mail in the holidays or on an INSET day, one in
//! term; the weekly digest of a holiday week and the monthly report's first school day.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use schoolgate_hub::config::Limits;
use schoolgate_hub::digest_mail::{self, Schedule};
use schoolgate_hub::notify::{MailArgs, Notifier};
use schoolgate_hub::retention::FixedClock;
use schoolgate_hub::school_calendar::{
    day, governors_terms, school_days_between, Day, SchoolCalendar,
};
use schoolgate_hub::store::{ApproveOutcome, EventStore, Store};
use schoolgate_hub::summary::Term;

use crate::events::{batch_body, blocked, heartbeat, search_alert, send};
use crate::on_both_backends;
use crate::roles::invited_session;
use crate::support::mail::{mail_through, next_mail, smtp_server};
use crate::support::{forms, http, repo_root, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(
    the_governors_summary_counts_the_schools_own_terms,
    devices_not_seen_count_school_days_and_the_real_threshold,
    no_silent_device_mail_in_the_holidays_or_on_an_inset_day,
    a_holiday_weeks_digest_says_so_instead_of_zeros,
);

const PUPIL: &str = "amelia.pupil@oak-hill.example";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        repo_root()
            .join("tests/fixtures/hub/school-calendar")
            .join(name),
    )
    .expect("fixture")
}

fn calendar(name: &str) -> Option<SchoolCalendar> {
    match name {
        "none" => None,
        "full" => SchoolCalendar::from_policy_text(&fixture("policy.toml")),
        "ended" => SchoolCalendar::from_policy_text(&fixture("ended.toml")),
        other => panic!("no calendar {other}"),
    }
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

/// The rows of a fixture table, comments and blank lines left out.
fn rows(name: &str) -> Vec<Vec<String>> {
    fixture(name)
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

#[test]
fn each_day_is_what_the_schools_calendar_says() {
    let table = rows("days.tsv");
    assert!(table.len() >= 15, "the table is read");
    for row in table {
        let (cal, on, expected, why) = (&row[0], &row[1], &row[2], &row[3]);
        let found = day(calendar(cal).as_ref(), date(on));
        let word = match found {
            Day::School => "school",
            Day::Weekend => "weekend",
            Day::Holiday => "holiday",
            Day::Inset => "inset",
            Day::Uncovered => "uncovered",
        };
        assert_eq!(word, expected, "{cal} {on}: {why}");
    }
}

#[test]
fn school_days_are_counted_between_two_dates() {
    let table = rows("school-days.tsv");
    assert!(table.len() >= 10, "the table is read");
    for row in table {
        let (cal, after, before, expected, why) = (&row[0], &row[1], &row[2], &row[3], &row[4]);
        let count = school_days_between(calendar(cal).as_ref(), date(after), date(before), 1000);
        assert_eq!(
            count.to_string(),
            *expected,
            "{cal} {after}..{before}: {why}"
        );
    }
}

#[test]
fn governors_terms_come_from_the_calendar_or_say_they_do_not() {
    let full = calendar("full");
    // In the Christmas holidays: still the autumn term, which runs to the day before spring.
    let (this, last, note) = governors_terms(full.as_ref(), None, date("2026-12-28"));
    assert_eq!(this.term.id(), "2026-autumn");
    assert_eq!(note, None);
    assert_eq!(
        (this.start(), this.end()),
        (
            "2026-09-02T23:00:00.000Z".to_owned(),
            "2027-01-05T00:00:00.000Z".to_owned()
        )
    );
    assert!(this
        .dates_text()
        .starts_with("Thursday 3 September 2026 to Friday 18 December 2026"));
    assert_eq!(last.term.id(), "2026-summer", "before the calendar: fixed");
    assert!(last.dates.is_none());
    // Spring 2027 is compared with the calendar's autumn term, not with fixed months.
    let (this, last, _) = governors_terms(
        full.as_ref(),
        Term::parse("2027-spring"),
        date("2026-12-07"),
    );
    assert_eq!(
        (this.start(), this.end()),
        (
            "2027-01-05T00:00:00.000Z".to_owned(),
            "2027-04-11T23:00:00.000Z".to_owned()
        )
    );
    assert_eq!(last.end(), this.start(), "no day between two terms");
    // A term the calendar does not list, and a date after an ended calendar: fixed, said so.
    let (this, _, note) = governors_terms(
        full.as_ref(),
        Term::parse("2028-autumn"),
        date("2026-12-07"),
    );
    assert_eq!(
        this.start(),
        "2028-08-31T23:00:00.000Z",
        "midnight, British Summer Time"
    );
    assert!(note
        .expect("said")
        .starts_with("Autumn term 2028 is not in the school's calendar"));
    let ended = calendar("ended");
    let (this, _, note) = governors_terms(ended.as_ref(), None, date("2026-12-07"));
    assert_eq!(this.term.id(), "2026-autumn");
    assert!(note
        .expect("said")
        .contains("outside the school's calendar"));
    let (_, _, note) = governors_terms(None, None, date("2026-12-07"));
    assert!(note.expect("said").contains("no [calendar]"));
}

#[test]
fn the_monthly_report_goes_on_the_calendars_first_school_day() {
    let full = calendar("full");
    let schedule = Schedule::default();
    // 2 November 2026 is an INSET day: October's report waits for Tuesday 3 November.
    let (_, month) =
        digest_mail::monthly_due(&schedule, utc("2026-11-02T07:30:00Z"), full.as_ref());
    assert_eq!(
        month.id(),
        "2026-09",
        "October's is not due on the INSET day"
    );
    let (at, month) =
        digest_mail::monthly_due(&schedule, utc("2026-11-03T07:00:00Z"), full.as_ref());
    assert_eq!(
        (at, month.id()),
        (utc("2026-11-03T07:00:00Z"), "2026-10".into())
    );
    // Without a calendar, the first weekday as before.
    let (_, month) = digest_mail::monthly_due(&schedule, utc("2026-11-02T07:30:00Z"), None);
    assert_eq!(month.id(), "2026-10");
    // January 2027: 1 January is a holiday and 4 January an INSET day.
    let (at, _) = digest_mail::monthly_due(&schedule, utc("2027-01-20T07:00:00Z"), full.as_ref());
    assert_eq!(at, utc("2027-01-05T07:00:00Z"));
}

/// Publishes `text` as the next version (the school's rule off: one approval publishes).
async fn publish(store: &impl Store, text: &str) {
    store
        .set_policy_second_approval(false, "dsl", "2026-09-01T09:00:00.000Z")
        .await
        .expect("rule");
    let proposal = schoolgate_hub::policy_change::propose(
        text,
        "The school's calendar",
        "dsl",
        "2026-09-01T09:00:00.000Z",
        None,
    )
    .expect("valid");
    let id = store.add_policy_proposal(&proposal).await.expect("propose");
    match store
        .approve_policy(id, "dsl", "2026-09-01T09:00:00.000Z")
        .await
        .expect("approve")
    {
        Ok(ApproveOutcome::Published(_)) => {}
        other => panic!("not published: {other:?}"),
    }
}

async fn the_governors_summary_counts_the_schools_own_terms(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let governor = invited_session(&hub, &dsl, "governor", "governor").await;
    // 6 gambling pages on 3 January 2027 (the Christmas holidays: autumn's, by the calendar;
    // spring's, by the fixed months) and 7 in February's half-term (spring's either way).
    let mut events = Vec::new();
    for n in 0..13 {
        let at = if n < 6 {
            "2027-01-03T10:00:00.000Z"
        } else {
            "2027-02-16T10:00:00.000Z"
        };
        events.push(blocked(
            &format!("e-term-{n:04}"),
            at,
            "casino.example",
            "gambling",
        ));
    }
    let body = batch_body("b-term-00001", "d-chromebook-17", Some(PUPIL), events);
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-term-00001", &body).await.status,
        201
    );
    let spring = || async {
        let page = http::get_with(
            hub.addr,
            "/figures/term?term=2027-spring",
            &[("Cookie", &governor)],
        )
        .await;
        assert_eq!(page.status, 200, "{}", page.body);
        page.body
    };
    let gambling = |this: &str, last: &str, change: &str, trend: &str| {
        format!("<tr><th scope=\"row\">Gambling (UKSIC)</th><td>{this}</td><td>{last}</td><td>{change}</td><td>{trend}</td></tr>")
    };

    // No calendar yet: fixed months, and the page says so.
    let page = spring().await;
    assert!(
        page.contains(&gambling(
            "15",
            "fewer than 5",
            "not shown (small numbers)",
            "not shown (small numbers)"
        )),
        "{page}"
    );
    assert!(
        page.contains("has no [calendar], so terms are fixed months"),
        "{page}"
    );
    assert!(
        page.contains("January to March 2027 (fixed months)"),
        "{page}"
    );

    // The school's calendar approved: spring is 5 January to 26 March (with the Easter
    // holidays), compared with the calendar's autumn term.
    publish(&hub.store, &fixture("policy.toml")).await;
    let page = spring().await;
    assert!(
        page.contains(&gambling("5", "5", "no change", "the same")),
        "{page}"
    );
    for said in [
        "Spring term 2027: Tuesday 5 January 2027 to Friday 26 March 2027 (the school&#39;s calendar)",
        "Autumn term 2026: Thursday 3 September 2026 to Friday 18 December 2026",
        "up to Monday 4 January 2027",
    ] {
        assert!(
            page.contains(said) || page.contains(&said.replace("&#39;", "'")),
            "{said}: {page}"
        );
    }
    assert!(!page.contains("fixed months"), "{page}");
    // A term the calendar does not have: the fixed months, said so.
    let later = http::get_with(
        hub.addr,
        "/figures/term?term=2028-autumn",
        &[("Cookie", &governor)],
    )
    .await;
    assert_eq!(later.status, 200);
    assert!(
        later.body.contains("Autumn term 2028 is not in the school"),
        "{}",
        later.body
    );
    hub.stop().await;
}

/// A calendar around `today`: a term that ended 15 days ago, the holidays since, and a term
/// from `back_from` (days before today) on.
fn calendar_around(today: NaiveDate, back_from: i64) -> String {
    let day = |n: i64| (today + chrono::Duration::days(n)).format("%Y-%m-%d");
    format!(
        "[school]\nname = \"Oak Hill Primary\"\n\n[calendar]\nterms = [\n  {{ from = \"{}\", to = \"{}\" }},\n  {{ from = \"{}\", to = \"{}\" }},\n]\n",
        day(-80),
        day(-15),
        day(-back_from),
        day(60)
    )
}

async fn store_seen(hub: &InProcessHub, device: &str, at: DateTime<Utc>) {
    let body = batch_body(
        &format!("b-{device}"),
        device,
        Some(PUPIL),
        vec![heartbeat(
            &format!("e-{device}"),
            &at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "idle",
        )],
    );
    let batch = schoolgate_hub::events::read_batch(
        Some(&format!("b-{device}")),
        body.as_bytes(),
        "test",
        &at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
    .expect("batch");
    hub.store.store_batch(&batch).await.expect("stored");
}

async fn devices_not_seen_count_school_days_and_the_real_threshold(db: TestDb) {
    let limits = Limits {
        device_silent_after: std::time::Duration::from_secs(20),
        ..Limits::default()
    };
    let hub = InProcessHub::start_with(&db, limits).await;
    let (dsl, _) = dsl_session(&hub).await;
    let it = invited_session(&hub, &dsl, "itlead", "it-lead").await;
    let now = Utc::now();
    let today = digest_mail::school_time(now).date();
    // Last heard from 15 days ago, at noon: away for the whole holidays.
    store_seen(&hub, "d-away-01", now - chrono::Duration::days(15)).await;
    let csv = "d-away-01,Trolley 1 slot 1\n";
    let auth = forms::open_form(hub.addr, "/devices", Some(&it)).await;
    let reply = forms::post(hub.addr, "/devices/expected", &auth, &[("csv", csv)]).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let devices = || async {
        let page = http::get_with(hub.addr, "/devices", &[("Cookie", &it)]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        page.body
    };

    // The real threshold, not "10 minutes".
    let page = devices().await;
    assert!(
        page.contains("has sent nothing for 20 seconds is flagged"),
        "{page}"
    );
    assert!(!page.contains("10 minutes"), "{page}");
    // No calendar: every weekday counts, so 15 days away is flagged.
    let flagged = "1 device on the school";
    assert!(page.contains(flagged), "{page}");
    assert!(page.contains("not for 5 school days"), "{page}");
    assert!(page.contains("has no [calendar]"), "{page}");

    // The school's calendar: the holidays began 14 days ago and the term starts today: no
    // school day has passed whole, so the device is not flagged.
    publish(&hub.store, &calendar_around(today, 0)).await;
    let page = devices().await;
    assert!(!page.contains(flagged), "{page}");
    assert!(page.contains("School days follow the school"), "{page}");

    assert!(!page.contains("Today is a school holiday"), "{page}");
    // The term starts tomorrow: today is a holiday, and the page says no e-mail goes.
    publish(&hub.store, &calendar_around(today, -1)).await;
    let page = devices().await;
    assert!(!page.contains(flagged), "{page}");
    assert!(page.contains("Today is a school holiday"), "{page}");

    // The term began 8 days ago (at least 5 weekdays of it have passed): flagged again.
    publish(&hub.store, &calendar_around(today, 8)).await;
    let page = devices().await;
    assert!(page.contains(flagged), "{page}");
    hub.stop().await;
}

async fn no_silent_device_mail_in_the_holidays_or_on_an_inset_day(db: TestDb) {
    let store = db.open().await;
    let (port, mut mail) = smtp_server().await;
    let settings = MailArgs {
        notify_email: vec!["dsl@oak-hill.example".into()],
        notify_interval: 4,
        it_lead_email: vec!["it@oak-hill.example".into()],
        ..mail_through(port)
    }
    .settings()
    .expect("settings")
    .expect("mail on");
    let notifier = Notifier::start(settings).expect("notifier");
    publish(&store, &fixture("policy.toml")).await;
    let active = |device: &str, at: &str| {
        let body = batch_body(
            &format!("b-{device}"),
            device,
            Some(PUPIL),
            vec![heartbeat(&format!("e-{device}"), at, "active")],
        );
        schoolgate_hub::events::read_batch(
            Some(&format!("b-{device}")),
            body.as_bytes(),
            "test",
            at,
        )
        .expect("batch")
    };
    let check = |at: &'static str| {
        let (store, notifier) = (store.clone(), notifier.clone());
        async move {
            schoolgate_hub::monitor::check_silent_devices(&store, &notifier, &FixedClock(utc(at)))
                .await
                .expect("check")
                .into_iter()
                .map(|d| d.device)
                .collect::<Vec<_>>()
        }
    };
    // Half-term (Wednesday 28 October) and the INSET day (Monday 2 November): flagged on the
    // page, no e-mail.
    for (device, heard, checked) in [
        (
            "d-half-term-01",
            "2026-10-28T10:00:00.000Z",
            "2026-10-28T10:11:00Z",
        ),
        (
            "d-inset-day-01",
            "2026-11-02T10:00:00.000Z",
            "2026-11-02T10:11:00Z",
        ),
    ] {
        store
            .store_batch(&active(device, heard))
            .await
            .expect("stored");
        assert_eq!(check(checked).await, [device], "flagged on the page");
        assert!(
            next_mail(&mut mail, Duration::from_secs(3)).await.is_none(),
            "no e-mail about {device} on a holiday"
        );
    }
    // In term (Wednesday 4 November): the IT lead is told, about that one device only.
    store
        .store_batch(&active("d-in-term-01", "2026-11-04T10:00:00.000Z"))
        .await
        .expect("stored");
    assert_eq!(check("2026-11-04T10:11:00Z").await, ["d-in-term-01"]);
    let told = next_mail(&mut mail, Duration::from_secs(10))
        .await
        .expect("the IT lead's e-mail in term");
    assert!(
        told.data.contains("a device has gone silent"),
        "{}",
        told.data
    );
    assert!(told.to.iter().all(|t| t.contains("it@oak-hill.example")));
}

async fn a_holiday_weeks_digest_says_so_instead_of_zeros(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    publish(&hub.store, &fixture("policy.toml")).await;
    // A Prevent alert in half-term (Tuesday 27 October): the DSL still hears of it.
    let body = batch_body(
        "b-holiday-01",
        "d-chromebook-17",
        Some(PUPIL),
        vec![search_alert(
            "e-holiday-01",
            "2026-10-27T10:00:00.000Z",
            "prevent",
            "secret words",
            None,
        )],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-holiday-01", &body).await.status,
        201
    );
    let (port, mut mail) = smtp_server().await;
    let settings = MailArgs {
        notify_email: vec!["dsl@oak-hill.example".into()],
        notify_interval: 60,
        ..mail_through(port)
    }
    .settings()
    .expect("settings")
    .expect("mail on");
    let schedule = Schedule::default();
    // Runs what is due at `now`: the one e-mail it sent, and which.
    let mut digest_at = async |now: &str| {
        let sent = digest_mail::run_due(&hub.store, &settings, &schedule, &FixedClock(utc(now)))
            .await
            .expect("run");
        let mail = next_mail(&mut mail, Duration::from_secs(5))
            .await
            .expect("sent");
        (sent, mail.text())
    };

    let (sent, half_term) = digest_at("2026-11-02T07:00:30Z").await;
    assert_eq!(sent, ["weekly:2026-W44"]);
    assert!(half_term.contains("(school holiday)"), "{half_term}");
    assert!(
        half_term.contains("1 Prevent (radicalisation) search alert\n"),
        "{half_term}"
    );
    assert!(half_term.contains("devices used at home"), "{half_term}");

    // The week before Christmas: nothing happened, and the e-mail says so in one line.
    let (sent, christmas) = digest_at("2026-12-28T07:00:30Z").await;
    assert_eq!(sent, ["weekly:2026-W52"]);
    assert!(
        christmas.contains("school holiday: nothing to report"),
        "{christmas}"
    );
    assert!(!christmas.contains("0 Prevent"), "no zeros: {christmas}");
    assert!(christmas.contains("https://hub.oak-hill.example/digest?week=2026-12-21"));

    // A term week is as before.
    let (sent, term) = digest_at("2026-11-09T07:00:30Z").await;
    assert_eq!(sent, ["weekly:2026-W45"]);
    assert!(
        term.contains("0 Prevent") && !term.contains("school holiday"),
        "{term}"
    );

    // The digest page says so too.
    let page = http::get_with(hub.addr, "/digest?week=2026-10-26", &[("Cookie", &dsl)]).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("A school holiday, by the school"),
        "{}",
        page.body
    );
    hub.stop().await;
}
