//! "Ask my teacher" on both back ends (`docs/requests.md`): a device's signed request is stored
//! once, a bad signature refused; a teacher sees and answers only the groups they teach (the DSL
//! every group), every view and answer audited; approvals are capped; a locked page can never be
//! asked for or approved; a device fetches (signed) its own answers and the approvals in force
//! for its pupil, group or organisational unit, and nothing else.

use schoolgate_hub::requests::{answers_message, Answer, NewRequest, Scope, REQUEST_SCHEMA};
use schoolgate_hub::signing_keys;
use schoolgate_hub::store::{RequestFilter, RequestStore, Store};

use crate::on_both_backends;
use crate::roles::{invite, join, session, status};
use crate::support::{forms, http, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(
    a_signed_request_is_stored_once_and_a_bad_signature_refused,
    teachers_answer_only_their_groups_and_every_answer_is_recorded,
    a_locked_page_can_never_be_asked_for_or_approved,
    devices_fetch_the_answers_for_their_pupil_group_and_unit,
);

const PASSWORD: &str = "a teacher's long pass phrase";

/// A request as the extension sends it (`extension/sw/requests.js`).
pub(crate) fn request_body(
    id: &str,
    device: &str,
    user: Option<&str>,
    group: &str,
    org_unit: Option<&str>,
    category: &str,
) -> String {
    serde_json::json!({
        "schema": REQUEST_SCHEMA, "id": id, "device": device, "user": user, "group": group,
        "orgUnit": org_unit, "url": "https://games.example.org/play", "site": "example.org",
        "category": category, "categories": [category], "rule": "category",
        "reason": "Games are blocked in lessons", "at": schoolgate_hub::now(),
    })
    .to_string()
}

/// Posts `body` to `/api/v1/requests`, signed with `key` (or unsigned).
pub(crate) async fn send(hub: &InProcessHub, key: Option<&str>, body: &str) -> http::Reply {
    let mut head = format!(
        "POST /api/v1/requests HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}",
        body.len()
    );
    if let Some(key) = key {
        head.push_str(&format!(
            "\r\nX-Schoolgate-Signature: {}",
            signing_keys::sign(key, body.as_bytes())
        ));
    }
    http::raw(hub.addr, &head, body.as_bytes())
        .await
        .expect("HTTP exchange")
}

/// A pupil's games request from one device for each `(id, group)`, each stored (201).
pub(crate) async fn ask_for_games(hub: &InProcessHub, requests: &[(&str, &str)]) {
    for &(id, group) in requests {
        let body = request_body(
            id,
            "d-device-0001",
            Some("pupil@school.example"),
            group,
            None,
            "games",
        );
        assert_eq!(send(hub, Some(TEST_KEY), &body).await.status, 201);
    }
}

/// The device's signed question for its answers.
async fn answers(
    hub: &InProcessHub,
    key: &str,
    device: &str,
    user: &str,
    group: &str,
    ou: &str,
) -> http::Reply {
    let time = chrono::Utc::now().timestamp();
    let signature = signing_keys::sign(
        key,
        answers_message(device, user, group, ou, time).as_bytes(),
    );
    let enc = |t: &str| {
        t.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let path = format!(
        "/api/v1/requests/answers?device={device}&group={group}&user={}&orgUnit={}",
        enc(user),
        enc(ou)
    );
    let time = time.to_string();
    http::get_with(
        hub.addr,
        &path,
        &[
            ("X-Schoolgate-Signature", &signature),
            ("X-Schoolgate-Time", &time),
        ],
    )
    .await
}

/// The ids (and states) a device is told about.
fn told(reply: &http::Reply) -> Vec<(String, String)> {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut out: Vec<(String, String)> = reply.json()["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .map(|a| {
            (
                a["id"].as_str().expect("id").to_owned(),
                a["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// A teacher account (invited by the DSL, joined, signed in), teaching `groups`.
pub(crate) async fn teacher(hub: &InProcessHub, dsl: &str, name: &str, groups: &str) -> String {
    let link = invite(hub, dsl, name, "teacher").await;
    let (made, secret) = join(hub, &link, PASSWORD).await;
    assert_eq!(made, 303, "{name}");
    let auth = forms::open_form(hub.addr, "/accounts", Some(dsl)).await;
    let set = forms::post(
        hub.addr,
        &format!("/accounts/{name}/groups"),
        &auth,
        &[("groups", groups)],
    )
    .await;
    assert_eq!(set.status, 303, "{}", set.body);
    session(hub, name, PASSWORD, &secret).await
}

/// Answers request `id` through the `/requests` page as the holder of `cookie`.
async fn answer(
    hub: &InProcessHub,
    cookie: &str,
    id: &str,
    fields: &[(&str, &str)],
) -> http::Reply {
    let auth = forms::open_form(hub.addr, "/requests", Some(cookie)).await;
    forms::post(hub.addr, &format!("/requests/{id}/answer"), &auth, fields).await
}

async fn a_signed_request_is_stored_once_and_a_bad_signature_refused(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let body = request_body(
        "q-once-0001",
        "d-device-0001",
        Some("pupil@school.example"),
        "y4",
        None,
        "games",
    );
    let first = send(&hub, Some(TEST_KEY), &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = send(&hub, Some(TEST_KEY), &body).await;
    assert_eq!(again.status, 200, "a retried press: {}", again.body);
    assert_eq!(again.json()["status"], "unchanged");
    for key in [Some("not the key"), None] {
        let other = request_body("q-forged-001", "d-device-0001", None, "y4", None, "games");
        assert_eq!(send(&hub, key, &other).await.status, 401);
    }
    // Changed on the way: the signature no longer matches.
    let signature = signing_keys::sign(TEST_KEY, body.as_bytes());
    let changed = body.replace("y4", "y6");
    let head = format!(
        "POST /api/v1/requests HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Schoolgate-Signature: {signature}",
        changed.len()
    );
    let reply = http::raw(hub.addr, &head, changed.as_bytes())
        .await
        .expect("HTTP");
    assert_eq!(reply.status, 401);
    let not_a_request = send(&hub, Some(TEST_KEY), r#"{"schema":"schoolgate-request/1"}"#).await;
    assert_eq!(not_a_request.status, 422);

    let all = hub
        .store
        .override_requests(&RequestFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("requests");
    assert_eq!(all.len(), 1, "stored once");
    let stored = &all[0];
    assert_eq!(stored.status, "open");
    assert_eq!(stored.request.user.as_deref(), Some("pupil@school.example"));
    assert_eq!(stored.request.category.as_deref(), Some("games"));
    assert_eq!(stored.request.signing_key, "test");
    hub.stop().await;
}

async fn teachers_answer_only_their_groups_and_every_answer_is_recorded(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let brown = teacher(&hub, &dsl, "mr-brown", "y4, y4b").await;
    ask_for_games(
        &hub,
        &[
            ("q-mine-00001", "y4"),
            ("q-mine-00002", "y4"),
            ("q-other-0001", "y6"),
        ],
    )
    .await;

    let page = http::get_with(hub.addr, "/requests", &[("Cookie", &brown)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("q-mine-00001") && page.body.contains("q-mine-00002"));
    assert!(!page.body.contains("q-other-0001"), "not Mr Brown's group");
    assert!(
        page.body.contains("https://games.example.org/play")
            && page.body.contains("pupil@school.example")
    );
    // On a phone each request is a labelled card (hub.css), not a table wider than the screen.
    assert!(
        page.body.contains("class=\"cards\"")
            && page.body.contains("data-label=\"Why it is blocked\""),
        "{}",
        page.body
    );
    let everything = http::get_with(hub.addr, "/requests", &[("Cookie", &dsl)]).await;
    assert!(
        everything.body.contains("q-other-0001"),
        "the DSL sees every group"
    );
    // A teacher reaches nothing else.
    for path in ["/inbox", "/accounts", "/keys", "/events", "/audit"] {
        assert_eq!(status(&hub, path, &brown).await, 403, "{path}");
    }

    // Another group's request: refused, and still open.
    let refused = answer(
        &hub,
        &brown,
        "q-other-0001",
        &[
            ("decision", "approve"),
            ("scope", "group"),
            ("minutes", "60"),
        ],
    )
    .await;
    assert_eq!(refused.status, 403);
    // Asked for a whole day: at most 8 hours (and never past the end of the school day).
    let approved = answer(
        &hub,
        &brown,
        "q-mine-00001",
        &[
            ("decision", "approve"),
            ("scope", "pupil"),
            ("minutes", "100000"),
            ("note", "for the maths game"),
        ],
    )
    .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let declined = answer(
        &hub,
        &brown,
        "q-mine-00002",
        &[("decision", "decline"), ("scope", "pupil")],
    )
    .await;
    assert_eq!(declined.status, 303, "{}", declined.body);
    let twice = answer(
        &hub,
        &dsl,
        "q-mine-00002",
        &[("decision", "approve"), ("scope", "pupil")],
    )
    .await;
    assert_eq!(twice.status, 409, "answered once");

    let yes = hub
        .store
        .override_request("q-mine-00001")
        .await
        .expect("read")
        .expect("there");
    assert_eq!(yes.status, "approved");
    assert_eq!(yes.decided_by.as_deref(), Some("mr-brown"));
    assert_eq!(yes.scope.as_deref(), Some("pupil"));
    assert_eq!(yes.note.as_deref(), Some("for the maths game"));
    let time = |t: &Option<String>| {
        chrono::DateTime::parse_from_rfc3339(t.as_deref().expect("time")).expect("rfc3339")
    };
    let minutes = (time(&yes.ends_at) - time(&yes.starts_at)).num_minutes();
    assert!((1..=480).contains(&minutes), "capped: {minutes} minutes");
    let no = hub
        .store
        .override_request("q-mine-00002")
        .await
        .expect("read")
        .expect("there");
    assert_eq!(
        (no.status.as_str(), no.ends_at.as_deref()),
        ("declined", None)
    );
    let other = hub
        .store
        .override_request("q-other-0001")
        .await
        .expect("read")
        .expect("there");
    assert_eq!(other.status, "open");

    let log = hub.store.audit_log().await.expect("audit");
    let has = |actor: &str, action: &str, subject: &str| {
        log.iter().any(|e| {
            e.actor == actor && e.action == action && (subject.is_empty() || e.subject == subject)
        })
    };
    assert!(has("mr-brown", "viewed-requests", ""));
    assert!(has("dsl", "viewed-requests", ""));
    assert!(has("mr-brown", "request-approved", "q-mine-00001"));
    assert!(has("mr-brown", "request-declined", "q-mine-00002"));
    assert!(has("dsl", "set-teacher-groups", "mr-brown: y4, y4b"));
    schoolgate_hub::audit::verify(&log).expect("the chain holds");
    hub.stop().await;
}

async fn a_locked_page_can_never_be_asked_for_or_approved(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    for category in ["child-abuse", "terrorist-content"] {
        let body = request_body(
            &format!("q-{category}"),
            "d-device-0001",
            None,
            "y4",
            None,
            category,
        );
        let refused = send(&hub, Some(TEST_KEY), &body).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(refused.body.contains("locked"), "{}", refused.body);
        // A locked match beside another deciding category is refused too.
        let mut beside: serde_json::Value = serde_json::from_str(&request_body(
            "q-beside-001",
            "d-device-0001",
            None,
            "y4",
            None,
            "games",
        ))
        .expect("json");
        beside["categories"] = serde_json::json!(["games", category]);
        assert_eq!(
            send(&hub, Some(TEST_KEY), &beside.to_string()).await.status,
            422
        );
    }
    // A request put in the database by other means (a forged row): the hub still refuses to
    // approve it, and never tells a device about it even if a row says approved.
    let forged = NewRequest {
        id: "q-forged-0001".into(),
        device: "d-device-0001".into(),
        user: None,
        group: "y4".into(),
        org_unit: None,
        url: "https://locked.example/".into(),
        site: "locked.example".into(),
        category: Some("child-abuse".into()),
        rule: "locked".into(),
        reason: String::new(),
        asked_at: schoolgate_hub::now(),
        received_at: schoolgate_hub::now(),
        signing_key: "test".into(),
    };
    assert!(hub.store.store_request(&forged).await.expect("store"));
    let refused = answer(
        &hub,
        &dsl,
        "q-forged-0001",
        &[
            ("decision", "approve"),
            ("scope", "group"),
            ("minutes", "60"),
        ],
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("can never be unblocked"),
        "{}",
        refused.body
    );
    let still = hub
        .store
        .override_request("q-forged-0001")
        .await
        .expect("read")
        .expect("there");
    assert_eq!(still.status, "open");
    let answer = Answer {
        status: "approved",
        decided_by: "forger".into(),
        decided_at: schoolgate_hub::now(),
        scope: Some(Scope::Group),
        window: Some((schoolgate_hub::now(), "2099-01-01T00:00:00.000Z".into())),
        note: None,
        via: None,
    };
    assert!(hub
        .store
        .answer_request("q-forged-0001", &answer)
        .await
        .expect("answer"));
    let device = answers(&hub, TEST_KEY, "d-device-0002", "", "y4", "").await;
    assert!(told(&device).is_empty(), "{}", device.body);
    hub.stop().await;
}

async fn devices_fetch_the_answers_for_their_pupil_group_and_unit(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let ou = "/Pupils/Oak Class";
    for (id, device, user, group, unit) in [
        (
            "q-pupil-0001",
            "d-asker-0001",
            Some("amy@school.example"),
            "y4",
            Some(ou),
        ),
        (
            "q-group-0001",
            "d-asker-0001",
            Some("amy@school.example"),
            "y4",
            Some(ou),
        ),
        ("q-ounit-0001", "d-asker-0002", None, "y5", Some(ou)),
        (
            "q-no-00000001",
            "d-asker-0001",
            Some("amy@school.example"),
            "y4",
            None,
        ),
        ("q-open-000001", "d-asker-0003", None, "y6", None),
    ] {
        let body = request_body(id, device, user, group, unit, "games");
        assert_eq!(send(&hub, Some(TEST_KEY), &body).await.status, 201);
    }
    for (id, scope, decision) in [
        ("q-pupil-0001", "pupil", "approve"),
        ("q-group-0001", "group", "approve"),
        ("q-ounit-0001", "org-unit", "approve"),
        ("q-no-00000001", "pupil", "decline"),
    ] {
        let reply = answer(
            &hub,
            &dsl,
            id,
            &[("decision", decision), ("scope", scope), ("minutes", "30")],
        )
        .await;
        assert_eq!(reply.status, 303, "{id}: {}", reply.body);
    }
    let pair = |id: &str, state: &str| (id.to_owned(), state.to_owned());
    // The asking device: its own requests, whatever their answer.
    let own = answers(
        &hub,
        TEST_KEY,
        "d-asker-0001",
        "amy@school.example",
        "y4",
        ou,
    )
    .await;
    assert_eq!(
        told(&own),
        [
            pair("q-group-0001", "approved"),
            pair("q-no-00000001", "declined"),
            pair("q-ounit-0001", "approved"),
            pair("q-pupil-0001", "approved")
        ]
    );
    assert!(
        !own.body.contains("amy@school.example"),
        "who asked is never sent back"
    );
    // Amy on another device: her own approval, and her group's.
    let amy = answers(
        &hub,
        TEST_KEY,
        "d-other-0001",
        "amy@school.example",
        "y4",
        "",
    )
    .await;
    assert_eq!(
        told(&amy),
        [
            pair("q-group-0001", "approved"),
            pair("q-pupil-0001", "approved")
        ]
    );
    // Another pupil in the group: the group's approval only.
    let ben = answers(
        &hub,
        TEST_KEY,
        "d-other-0002",
        "ben@school.example",
        "y4",
        "",
    )
    .await;
    assert_eq!(told(&ben), [pair("q-group-0001", "approved")]);
    // Another group in the same organisational unit: the unit's approval only.
    let unit = answers(&hub, TEST_KEY, "d-other-0003", "", "y5", ou).await;
    assert_eq!(told(&unit), [pair("q-ounit-0001", "approved")]);
    // Elsewhere: nothing.
    let elsewhere = answers(
        &hub,
        TEST_KEY,
        "d-other-0004",
        "cat@school.example",
        "y6",
        "/Pupils/Ash Class",
    )
    .await;
    assert!(told(&elsewhere).is_empty());
    // Only with a key the hub accepts, over exactly what was signed.
    assert_eq!(
        answers(&hub, "not the key", "d-asker-0001", "", "y4", "")
            .await
            .status,
        401
    );
    let time = chrono::Utc::now().timestamp();
    let signature = signing_keys::sign(
        TEST_KEY,
        answers_message("d-other-0004", "", "y6", "", time).as_bytes(),
    );
    let swapped = http::get_with(
        hub.addr,
        "/api/v1/requests/answers?device=d-other-0004&group=y4",
        &[
            ("X-Schoolgate-Signature", &signature),
            ("X-Schoolgate-Time", &time.to_string()),
        ],
    )
    .await;
    assert_eq!(
        swapped.status, 401,
        "a signature for one group does not answer for another"
    );
    let unsigned = http::get(
        hub.addr,
        "/api/v1/requests/answers?device=d-asker-0001&group=y4",
    )
    .await;
    assert_eq!(unsigned.status, 401);
    hub.stop().await;
}
