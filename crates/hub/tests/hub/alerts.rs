//! Search alerts and the events list (evhub), on both back ends: an alert opens with the pupil,
//! the terms and what that pupil did before and after; one press makes it a safeguarding record
//! in the inbox (once, however often pressed); an alert whose report the hub holds links to it;
//! the events list filters by pupil, group, category, kind and period, pages, and every view is
//! in the audit log.

use schoolgate_hub::store::{EventFilter, EventStore, Store};
use serde_json::json;

use crate::events::{batch_body, blocked, search_alert, send};
use crate::on_both_backends;
use crate::support::{forms, http, post_report, report_id, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(
    an_alert_shows_its_chronology_and_becomes_one_record,
    an_alert_with_a_held_report_links_to_it,
    the_events_list_filters_pages_and_is_audited,
    a_teachers_override_is_stored_and_shown_in_the_events_list,
);

const PUPIL: &str = "amelia.pupil@oak-hill.example";
const OTHER: &str = "ben.pupil@oak-hill.example";

async fn alert_seq(hub: &InProcessHub) -> i64 {
    hub.store
        .events(&EventFilter {
            kind: Some("search-alert".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("events")
        .first()
        .expect("an alert")
        .seq
}

async fn an_alert_shows_its_chronology_and_becomes_one_record(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let mine = batch_body(
        "b-alert-0001",
        "d-chromebook-17",
        Some(PUPIL),
        vec![
            blocked(
                "e-alert-0001",
                "2026-12-07T09:00:00.000Z",
                "before-site.example",
                "extremism",
            ),
            search_alert(
                "e-alert-0002",
                "2026-12-07T09:05:00.000Z",
                "prevent",
                "join the movement",
                None,
            ),
            blocked(
                "e-alert-0003",
                "2026-12-07T09:10:00.000Z",
                "after-site.example",
                "extremism",
            ),
            // Far from the alert: not in its chronology.
            blocked(
                "e-alert-0004",
                "2026-12-07T15:00:00.000Z",
                "much-later.example",
                "gambling",
            ),
        ],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-alert-0001", &mine).await.status,
        201
    );
    let other = batch_body(
        "b-alert-0002",
        "d-chromebook-18",
        Some(OTHER),
        vec![blocked(
            "e-alert-0005",
            "2026-12-07T09:06:00.000Z",
            "other-pupil.example",
            "gambling",
        )],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-alert-0002", &other)
            .await
            .status,
        201
    );
    let seq = alert_seq(&hub).await;

    let list = http::get_with(hub.addr, "/alerts", &[("Cookie", &dsl)]).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("join the movement"));
    assert!(list.body.contains(&format!("/alerts/{seq}")));
    assert!(!list.body.contains("other-pupil.example"), "alerts only");

    let path = format!("/alerts/{seq}");
    let page = http::get_with(hub.addr, &path, &[("Cookie", &dsl)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for shown in [
        PUPIL,
        "join the movement",
        "before-site.example",
        "after-site.example",
        "Prevent",
    ] {
        assert!(page.body.contains(shown), "{shown} missing: {}", page.body);
    }
    for hidden in ["other-pupil.example", "much-later.example"] {
        assert!(
            !page.body.contains(hidden),
            "{hidden} is not this alert's chronology"
        );
    }
    let before = page.body.find("before-site.example").expect("before");
    let after = page.body.find("after-site.example").expect("after");
    assert!(before < after, "the chronology reads forwards");

    // One press: a safeguarding record in the inbox, with the chronology and a case entry.
    let auth = forms::open_form(hub.addr, &path, Some(&dsl)).await;
    let reply = forms::post(hub.addr, &format!("{path}/record"), &auth, &[]).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let record = reply.header("location").expect("to the record").to_owned();
    let id = record.trim_start_matches("/reports/").to_owned();
    let stored = hub
        .store
        .report(&id)
        .await
        .expect("read")
        .expect("a record");
    assert!(
        stored.body.contains("after-site.example"),
        "the chronology is in the record"
    );
    assert!(stored.body.contains(PUPIL));
    let entries = hub.store.case_entries(&id).await.expect("case");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0].detail.contains("join the movement"));
    let inbox = http::get_with(hub.addr, "/inbox", &[("Cookie", &dsl)]).await;
    assert!(inbox.body.contains(&id), "the record is in the inbox");
    let report_page = http::get_with(hub.addr, &record, &[("Cookie", &dsl)]).await;
    assert_eq!(report_page.status, 200, "{}", report_page.body);

    // Pressed again (or on another hub): the same record, nothing added.
    let reply = forms::post(hub.addr, &format!("{path}/record"), &auth, &[]).await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some(record.as_str()));
    assert_eq!(hub.store.case_entries(&id).await.expect("case").len(), 1);
    assert_eq!(hub.store.reports().await.expect("reports").len(), 1);
    let page = http::get_with(hub.addr, &path, &[("Cookie", &dsl)]).await;
    assert!(page.body.contains(&record), "the alert links to its record");

    let log = hub.store.audit_log().await.expect("audit");
    for (action, subject) in [
        ("viewed-alerts", ""),
        ("viewed-alert", seq.to_string().as_str()),
    ] {
        assert!(
            log.iter()
                .any(|e| e.actor == "dsl" && e.action == action && e.subject == subject),
            "{action} {subject} not audited"
        );
    }
    // Not an alert, or no such event: 404.
    for path in ["/alerts/999999", "/alerts/1"] {
        let reply = http::get_with(hub.addr, path, &[("Cookie", &dsl)]).await;
        assert_eq!(reply.status, 404, "{path}");
    }
    hub.stop().await;
}

async fn an_alert_with_a_held_report_links_to_it(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let report = report_id(7);
    assert_eq!(
        post_report(hub.addr, TEST_KEY, &report, 1).await.status,
        201
    );
    let body = batch_body(
        "b-linked-0001",
        "d-chromebook-17",
        Some(PUPIL),
        vec![search_alert(
            "e-linked-0001",
            "2026-12-07T09:05:00.000Z",
            "self-harm",
            "how to hurt",
            Some(&report),
        )],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-linked-0001", &body)
            .await
            .status,
        201
    );
    let path = format!("/alerts/{}", alert_seq(&hub).await);
    let page = http::get_with(hub.addr, &path, &[("Cookie", &dsl)]).await;
    assert!(
        page.body.contains(&format!("/reports/{report}")),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Make this a safeguarding record"));
    // Pressing anyway goes to that report; no second record is made.
    let auth = forms::open_form(hub.addr, "/alerts", Some(&dsl)).await;
    let reply = forms::post(hub.addr, &format!("{path}/record"), &auth, &[]).await;
    assert_eq!(
        reply.header("location"),
        Some(format!("/reports/{report}").as_str())
    );
    assert_eq!(hub.store.reports().await.expect("reports").len(), 1);
    hub.stop().await;
}

async fn the_events_list_filters_pages_and_is_audited(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    // 2 pupils × 130 events over three days, two categories; one pupil in ks1.
    for (p, pupil) in [PUPIL, OTHER].into_iter().enumerate() {
        for chunk in 0..2 {
            let batch = format!("b-list-{p}-{chunk}");
            let events = (0..65)
                .map(|n| {
                    let i = chunk * 65 + n;
                    let day = 5 + i % 3;
                    let category = if i % 2 == 0 { "gambling" } else { "games" };
                    blocked(
                        &format!("e-list-{p}-{i:04}"),
                        &format!("2026-12-{day:02}T10:{:02}:{:02}.000Z", i / 60, i % 60),
                        &format!("site{i}.example"),
                        category,
                    )
                })
                .collect();
            let mut body: serde_json::Value = serde_json::from_str(&batch_body(
                &batch,
                &format!("d-device-{p:04}"),
                Some(pupil),
                events,
            ))
            .expect("json");
            body["group"] = json!(if p == 0 { "ks2" } else { "ks1" });
            let body = body.to_string();
            assert_eq!(send(hub.addr, TEST_KEY, &batch, &body).await.status, 201);
        }
    }
    let count = |filter: EventFilter| {
        let store = hub.store.clone();
        async move {
            let mut all = Vec::new();
            let mut filter = EventFilter {
                limit: 50,
                ..filter
            };
            loop {
                let page = store.events(&filter).await.expect("events");
                let Some(last) = page.last() else { break };
                filter.before = Some((last.at.clone(), last.seq));
                all.extend(page);
            }
            all
        }
    };
    let all = count(EventFilter::default()).await;
    assert_eq!(all.len(), 260, "paging sees every event once");
    assert!(
        all.windows(2)
            .all(|w| (&w[0].at, w[0].seq) > (&w[1].at, w[1].seq)),
        "newest first"
    );
    let amelia = count(EventFilter {
        user: Some(PUPIL.into()),
        ..Default::default()
    })
    .await;
    assert_eq!(amelia.len(), 130);
    assert!(amelia.iter().all(|e| e.user.as_deref() == Some(PUPIL)));
    let ks1 = count(EventFilter {
        group: Some("ks1".into()),
        ..Default::default()
    })
    .await;
    assert!(ks1.len() == 130 && ks1.iter().all(|e| e.user.as_deref() == Some(OTHER)));
    let gambling = count(EventFilter {
        user: Some(PUPIL.into()),
        category: Some("gambling".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(gambling.len(), 65);
    let one_day = count(EventFilter {
        from: Some("2026-12-06T00:00:00.000Z".into()),
        to: Some("2026-12-07T00:00:00.000Z".into()),
        ..Default::default()
    })
    .await;
    assert!(one_day.iter().all(|e| e.at.starts_with("2026-12-06")));
    assert_eq!(one_day.len(), 2 * 43);
    assert!(count(EventFilter {
        kind: Some("search-alert".into()),
        ..Default::default()
    })
    .await
    .is_empty());

    // The page: filtered by pupil and day, 100 at a time, with a link to the next page.
    let path = format!(
        "/events?pupil={}&category=gambling&from=2026-12-05&to=2026-12-06",
        PUPIL.replace('@', "%40")
    );
    let page = http::get_with(hub.addr, &path, &[("Cookie", &dsl)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(PUPIL) && !page.body.contains(OTHER));
    assert!(page.body.contains("gambling") && !page.body.contains("games;"));
    assert!(!page.body.contains("2026-12-07T"), "outside the period");
    let first = http::get_with(hub.addr, "/events", &[("Cookie", &dsl)]).await;
    assert!(
        first.body.contains("Older →"),
        "260 events: more than one page"
    );
    let bad = http::get_with(hub.addr, "/events?from=yesterday", &[("Cookie", &dsl)]).await;
    assert_eq!(bad.status, 400);
    let log = hub.store.audit_log().await.expect("audit");
    assert!(
        log.iter().any(|e| e.action == "viewed-events"
            && e.subject.contains("pupil=amelia.pupil%40oak-hill.example")
            && e.subject.contains("category=gambling")),
        "the filter is in the audit log"
    );
    hub.stop().await;
}

async fn a_teachers_override_is_stored_and_shown_in_the_events_list(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let override_event = |id: &str, outcome: &str| {
        json!({
            "id": id, "at": "2026-12-07T10:00:00.000Z", "kind": "override", "outcome": outcome,
            "url": "https://www.youtube.com/watch", "site": "youtube.com",
            "approvedBy": if outcome == "granted" { json!("a teacher's code") } else { json!(null) },
            "reason": null, "startsAt": "2026-12-07T10:00:00.000Z", "endsAt": "2026-12-07T10:30:00.000Z",
        })
    };
    let body = batch_body(
        "b-00000009",
        "d-chromebook-9",
        Some(PUPIL),
        vec![
            override_event("e-00000091", "wrong-code"),
            override_event("e-00000092", "granted"),
        ],
    );
    let reply = send(hub.addr, TEST_KEY, "b-00000009", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let stored = hub
        .store
        .events(&EventFilter {
            kind: Some("override".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("events");
    assert_eq!(stored.len(), 2);
    assert!(stored
        .iter()
        .all(|e| e.host.as_deref() == Some("youtube.com")));

    let page = http::get_with(hub.addr, "/events?kind=override", &[("Cookie", &dsl)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("<option value=\"override\" selected"),
        "the kind can be chosen"
    );
    assert!(
        page.body.contains(
            "teacher&#39;s override code, granted: https://www.youtube.com/watch (site youtube.com; until 2026-12-07T10:30:00.000Z)"
        ) || page.body.contains(
            "teacher's override code, granted: https://www.youtube.com/watch (site youtube.com; until 2026-12-07T10:30:00.000Z)"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("override code, wrong-code"));

    // An outcome the contract does not name is refused, and nothing of it is kept.
    let bad = batch_body(
        "b-00000010",
        "d-chromebook-9",
        Some(PUPIL),
        vec![override_event("e-00000093", "opened")],
    );
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-00000010", &bad).await.status,
        422
    );
    hub.stop().await;
}
