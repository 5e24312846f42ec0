//! A teacher's own device connected to their account (`docs/requests.md`, "The staff device"),
//! on both back ends: a pairing code from `/account/devices` works once and only for 10 minutes;
//! the device's token is kept only as a hash; the device lists and answers exactly what its
//! account may on `/requests` (a teacher their groups, 403 for another's; the DSL every group),
//! with the same caps, 422 for a locked page and 409 for a second answer; every view, answer,
//! code, connection and disconnection is in the audit log, and an approval names the account and
//! the device; a disconnected or expired device gets 401.

use schoolgate_hub::accounts::token_hash;
use schoolgate_hub::requests::NewRequest;
use schoolgate_hub::staff_devices::{code_hash, normalise_code};
use schoolgate_hub::store::{
    AccountAdmin, NewPairingCode, NewStaffDevice, RequestStore, StaffDeviceStore, Store,
};

use crate::on_both_backends;
use crate::requests::{ask_for_games, request_body, send, teacher};
use crate::support::{forms, http, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(
    a_pairing_code_works_once_and_only_while_it_is_valid,
    a_device_lists_and_answers_as_its_account_and_every_step_is_recorded,
    a_disconnected_or_expired_device_can_do_nothing,
);

/// A pairing code made on `/account/devices` by the holder of `cookie`, as the page shows it.
async fn pairing_code(hub: &InProcessHub, cookie: &str) -> String {
    let auth = forms::open_form(hub.addr, "/account/devices", Some(cookie)).await;
    let page = forms::post(hub.addr, "/account/devices/pair", &auth, &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let start = page
        .body
        .find("id=\"pairing-code\">")
        .unwrap_or_else(|| panic!("no code shown: {}", page.body))
        + "id=\"pairing-code\">".len();
    page.body[start..start + 9].to_owned()
}

async fn json(
    hub: &InProcessHub,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> http::Reply {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("\r\nAuthorization: Bearer {token}"));
    }
    http::raw(hub.addr, &head, body.as_bytes())
        .await
        .expect("HTTP exchange")
}

async fn pair(hub: &InProcessHub, code: &str) -> http::Reply {
    let body = serde_json::json!({ "code": code, "label": "Mr Brown's Chromebook" }).to_string();
    json(hub, "POST", "/api/v1/staff-devices/pair", None, &body).await
}

async fn list(hub: &InProcessHub, token: &str) -> http::Reply {
    json(hub, "GET", "/api/v1/staff/requests", Some(token), "").await
}

async fn answer(hub: &InProcessHub, token: &str, id: &str, body: serde_json::Value) -> http::Reply {
    let path = format!("/api/v1/staff/requests/{id}/answer");
    json(hub, "POST", &path, Some(token), &body.to_string()).await
}

fn listed_ids(reply: &http::Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut ids: Vec<String> = reply.json()["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

async fn a_pairing_code_works_once_and_only_while_it_is_valid(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let brown = teacher(&hub, &dsl, "mr-brown", "y4").await;
    let code = pairing_code(&hub, &brown).await;
    assert!(normalise_code(&code).is_some(), "{code}");

    let paired = pair(&hub, &code.to_lowercase()).await;
    assert_eq!(paired.status, 201, "{}", paired.body);
    let reply = paired.json();
    assert_eq!(reply["account"], "mr-brown");
    let token = reply["token"].as_str().expect("token").to_owned();
    assert_eq!(token.len(), 64, "32 random bytes");
    // Used once: the same code again connects nothing.
    let again = pair(&hub, &code).await;
    assert_eq!(again.status, 401, "{}", again.body);
    assert!(again.body.contains("used already"), "{}", again.body);
    // A code that never existed, and one that is not a code at all.
    assert_eq!(pair(&hub, "ABCD-EFGH").await.status, 401);
    let bad = pair(&hub, "0000-1111").await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    // Expired: made 11 minutes ago, valid 10.
    let old = schoolgate_hub::requests::at(chrono::Utc::now().timestamp() - 11 * 60);
    let expired = "KMNP-QRST";
    hub.store
        .add_pairing_code(&NewPairingCode {
            code_hash: code_hash(&normalise_code(expired).expect("code")),
            username: "mr-brown".into(),
            created_at: old.clone(),
            expires_at: schoolgate_hub::requests::at(chrono::Utc::now().timestamp() - 60),
        })
        .await
        .expect("store");
    assert_eq!(pair(&hub, expired).await.status, 401, "expired");

    // The device works; the hub holds neither the code nor the token, only their hashes.
    assert_eq!(list(&hub, &token).await.status, 200);
    let devices = hub
        .store
        .staff_devices("mr-brown", &schoolgate_hub::now())
        .await
        .expect("devices");
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].label, "Mr Brown's Chromebook");
    let backup = db.dir.path().join("backup.sqlite3");
    hub.store.backup(&backup).await.expect("backup");
    let bytes = std::fs::read(&backup).expect("read backup");
    let holds = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(!holds(&token), "the token is not stored");
    assert!(holds(&token_hash(&token)), "its hash is");
    assert!(
        !holds(&normalise_code(&code).expect("code")),
        "the code is not stored"
    );

    // The hub page lists the device; the DSL's page lists none of it (devices are per account).
    let page = http::get_with(hub.addr, "/account/devices", &[("Cookie", &brown)]).await;
    assert!(page.body.contains(&devices[0].id), "{}", page.body);
    let dsl_page = http::get_with(hub.addr, "/account/devices", &[("Cookie", &dsl)]).await;
    assert!(!dsl_page.body.contains(&devices[0].id));
    let log = hub.store.audit_log().await.expect("audit");
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert!(actions.contains(&("mr-brown", "staff-device-code")));
    assert!(actions.contains(&("mr-brown", "staff-device-connected")));
    hub.stop().await;
}

async fn a_device_lists_and_answers_as_its_account_and_every_step_is_recorded(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let brown = teacher(&hub, &dsl, "mr-brown", "y4").await;
    ask_for_games(
        &hub,
        &[
            ("q-mine-00001", "y4"),
            ("q-mine-00002", "y4"),
            ("q-mine-00003", "y4"),
            ("q-other-0001", "y6"),
        ],
    )
    .await;
    let token = pair(&hub, &pairing_code(&hub, &brown).await).await.json()["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let device = hub
        .store
        .staff_devices("mr-brown", &schoolgate_hub::now())
        .await
        .expect("devices")[0]
        .clone();

    // The same list as /requests: the teacher's groups only, with the same fields.
    let shown = list(&hub, &token).await;
    assert_eq!(
        listed_ids(&shown),
        ["q-mine-00001", "q-mine-00002", "q-mine-00003"]
    );
    let first = &shown.json()["requests"][0];
    assert_eq!(first["url"], "https://games.example.org/play");
    assert_eq!(first["user"], "pupil@school.example");
    assert_eq!(first["group"], "y4");
    assert_eq!(
        first["categoryLabel"],
        schoolgate_core::category::label("games")
    );
    assert_eq!(shown.json()["defaultMinutes"], 60);

    // Another group's: 403, and still open.
    let other = answer(
        &hub,
        &token,
        "q-other-0001",
        serde_json::json!({ "decision": "approve", "scope": "group", "minutes": 60 }),
    )
    .await;
    assert_eq!(other.status, 403, "{}", other.body);
    // Approved as Mr Brown through the device, capped at 8 hours.
    let yes = answer(
        &hub,
        &token,
        "q-mine-00001",
        serde_json::json!({ "decision": "approve", "scope": "pupil", "minutes": 100000, "note": "for the maths game" }),
    )
    .await;
    assert_eq!(yes.status, 200, "{}", yes.body);
    assert_eq!(yes.json()["status"], "approved");
    let no = answer(
        &hub,
        &token,
        "q-mine-00002",
        serde_json::json!({ "decision": "decline" }),
    )
    .await;
    assert_eq!(no.status, 200, "{}", no.body);
    // Answered once, whichever route comes second.
    let twice = answer(
        &hub,
        &token,
        "q-mine-00001",
        serde_json::json!({ "decision": "decline" }),
    )
    .await;
    assert_eq!(twice.status, 409, "{}", twice.body);
    let bad = answer(
        &hub,
        &token,
        "q-mine-00003",
        serde_json::json!({ "decision": "approve", "scope": "everyone" }),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(listed_ids(&list(&hub, &token).await), ["q-mine-00003"]);

    let stored = hub
        .store
        .override_request("q-mine-00001")
        .await
        .expect("read")
        .expect("there");
    assert_eq!(stored.status, "approved");
    assert_eq!(stored.decided_by.as_deref(), Some("mr-brown"));
    let via = stored.decided_via.clone().expect("the device is recorded");
    assert!(via.contains(&device.id), "{via}");
    assert_eq!(stored.note.as_deref(), Some("for the maths game"));
    let time = |t: &Option<String>| {
        chrono::DateTime::parse_from_rfc3339(t.as_deref().expect("time")).expect("rfc3339")
    };
    let minutes = (time(&stored.ends_at) - time(&stored.starts_at)).num_minutes();
    assert!((1..=480).contains(&minutes), "capped: {minutes} minutes");
    assert_eq!(
        hub.store
            .override_request("q-other-0001")
            .await
            .expect("read")
            .expect("there")
            .status,
        "open"
    );
    // /requests shows who approved and through which device.
    let page = http::get_with(hub.addr, "/requests", &[("Cookie", &dsl)]).await;
    assert!(
        page.body
            .contains(&format!("via staff device {}", device.id)),
        "{}",
        page.body
    );

    // A locked page (a forged row): refused with 422 through the device too.
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
    let locked = answer(
        &hub,
        &token,
        "q-forged-0001",
        serde_json::json!({ "decision": "approve", "scope": "group", "minutes": 30 }),
    )
    .await;
    assert_eq!(locked.status, 422, "{}", locked.body);
    assert!(locked.body.contains("locked"), "{}", locked.body);

    // The DSL's device sees every group's.
    let dsl_token = pair(&hub, &pairing_code(&hub, &dsl).await).await.json()["token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(
        listed_ids(&list(&hub, &dsl_token).await),
        ["q-forged-0001", "q-mine-00003", "q-other-0001"]
    );

    let log = hub.store.audit_log().await.expect("audit");
    let has = |actor: &str, action: &str, subject: &str| {
        log.iter()
            .any(|e| e.actor == actor && e.action == action && e.subject.contains(subject))
    };
    assert!(
        has("mr-brown", "viewed-requests", &device.id),
        "the device's view"
    );
    assert!(has(
        "mr-brown",
        "request-approved",
        "q-mine-00001 via staff device"
    ));
    assert!(has("mr-brown", "request-declined", &device.id));
    schoolgate_hub::audit::verify(&log).expect("the chain holds");
    hub.stop().await;
}

async fn a_disconnected_or_expired_device_can_do_nothing(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let brown = teacher(&hub, &dsl, "mr-brown", "y4").await;
    let body = request_body("q-mine-00001", "d-device-0001", None, "y4", None, "games");
    assert_eq!(send(&hub, Some(TEST_KEY), &body).await.status, 201);
    let token = pair(&hub, &pairing_code(&hub, &brown).await).await.json()["token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(list(&hub, &token).await.status, 200);
    // No token, or one the hub never made: 401.
    assert_eq!(
        json(&hub, "GET", "/api/v1/staff/requests", None, "")
            .await
            .status,
        401
    );
    assert_eq!(list(&hub, &"ab".repeat(32)).await.status, 401);
    // A signed-in browser's session cookie is no credential here: only the device's token.
    let with_cookie =
        http::get_with(hub.addr, "/api/v1/staff/requests", &[("Cookie", &brown)]).await;
    assert_eq!(with_cookie.status, 401, "{}", with_cookie.body);

    // Disconnected on the hub page (CSRF-protected like every form): 401 for list and answer.
    let id = hub
        .store
        .staff_devices("mr-brown", &schoolgate_hub::now())
        .await
        .expect("devices")[0]
        .id
        .clone();
    // Another account cannot disconnect it.
    let dsl_auth = forms::open_form(hub.addr, "/account/devices", Some(&dsl)).await;
    let not_theirs = forms::post(
        hub.addr,
        &format!("/account/devices/{id}/disconnect"),
        &dsl_auth,
        &[],
    )
    .await;
    assert_eq!(not_theirs.status, 404);
    assert_eq!(list(&hub, &token).await.status, 200);
    let auth = forms::open_form(hub.addr, "/account/devices", Some(&brown)).await;
    let gone = forms::post(
        hub.addr,
        &format!("/account/devices/{id}/disconnect"),
        &auth,
        &[],
    )
    .await;
    assert_eq!(gone.status, 303, "{}", gone.body);
    let refused = list(&hub, &token).await;
    assert_eq!(refused.status, 401);
    assert!(
        refused.body.contains("no longer connected"),
        "{}",
        refused.body
    );
    let refused = answer(
        &hub,
        &token,
        "q-mine-00001",
        serde_json::json!({ "decision": "approve", "scope": "pupil" }),
    )
    .await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        hub.store
            .override_request("q-mine-00001")
            .await
            .expect("read")
            .expect("there")
            .status,
        "open"
    );

    // Expired: a device whose 120 days are over.
    let old_code = "WXYZ-2345";
    let now = chrono::Utc::now().timestamp();
    hub.store
        .add_pairing_code(&NewPairingCode {
            code_hash: code_hash(&normalise_code(old_code).expect("code")),
            username: "mr-brown".into(),
            created_at: schoolgate_hub::requests::at(now),
            expires_at: schoolgate_hub::requests::at(now + 600),
        })
        .await
        .expect("code");
    let old_token = "cd".repeat(32);
    let paired = hub
        .store
        .pair_staff_device(
            &code_hash(&normalise_code(old_code).expect("code")),
            &NewStaffDevice {
                id: "sd-expired0001".into(),
                token_hash: token_hash(&old_token),
                label: "old".into(),
                created_at: schoolgate_hub::requests::at(now),
                expires_at: schoolgate_hub::requests::at(now - 1),
            },
        )
        .await
        .expect("pair");
    assert!(paired.is_some());
    assert_eq!(list(&hub, &old_token).await.status, 401, "expired");

    // An account disabled since: its devices can do nothing either.
    let green = teacher(&hub, &dsl, "ms-green", "y4").await;
    let green_token = pair(&hub, &pairing_code(&hub, &green).await).await.json()["token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(list(&hub, &green_token).await.status, 200);
    assert!(hub
        .store
        .disable_account("ms-green", "dsl")
        .await
        .expect("disable"));
    assert_eq!(list(&hub, &green_token).await.status, 401, "disabled");

    let log = hub.store.audit_log().await.expect("audit");
    assert!(log
        .iter()
        .any(|e| e.actor == "mr-brown" && e.action == "staff-device-disconnected"));
    hub.stop().await;
}
