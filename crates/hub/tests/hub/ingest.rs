//! Receiving reports: every status code the hub answers, and what it keeps (nothing, for a
//! refusal), on both back ends.

use std::time::{Duration, Instant};

use schoolgate_hub::config::{Limits, MAX_REPORT_BYTES};
use schoolgate_hub::store::Store;

use crate::on_both_backends;
use crate::support::{
    self, http, post_report, post_signed, report_body, report_id, InProcessHub, TestDb, TEST_KEY,
};

on_both_backends!(
    stores_new_and_higher_revisions_once,
    refuses_forged_missing_and_malformed_signatures,
    refuses_a_revoked_key_at_once,
    refuses_headers_that_do_not_match_the_body,
    refuses_bodies_that_are_not_reports,
    refuses_oversized_bodies_without_reading_them,
    replays_change_nothing_after_a_restart,
    health_check_answers,
    drops_a_body_that_never_ends,
);

async fn assert_nothing_stored(hub: &InProcessHub) {
    assert!(
        hub.store.reports().await.expect("reports").is_empty(),
        "a refused request left a report"
    );
    assert!(
        hub.store.revisions().await.expect("revisions").is_empty(),
        "a refused request left a revision"
    );
}

async fn stores_new_and_higher_revisions_once(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let id = report_id(1);
    let reply = post_report(hub.addr, TEST_KEY, &id, 1).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["status"], "stored");
    // The same revision again (a retry whose first reply was lost): 200, nothing changes.
    let reply = post_report(hub.addr, TEST_KEY, &id, 1).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["storedRevision"], 1);
    assert_eq!(post_report(hub.addr, TEST_KEY, &id, 2).await.status, 201);
    // A lower revision arriving late cannot overwrite the higher one.
    let reply = post_report(hub.addr, TEST_KEY, &id, 1).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["storedRevision"], 2);
    // Skipping revisions is fine (revision 3 may never reach the hub).
    assert_eq!(post_report(hub.addr, TEST_KEY, &id, 4).await.status, 201);

    let stored = hub.store.report(&id).await.expect("read").expect("stored");
    assert_eq!(
        (stored.revision, stored.body.as_str()),
        (4, report_body(&id, 4).as_str())
    );
    assert_eq!(stored.signing_key, "test");
    let revisions: Vec<i64> = hub
        .store
        .revisions()
        .await
        .expect("revisions")
        .iter()
        .map(|r| r.revision)
        .collect();
    assert_eq!(revisions, [1, 2, 4], "each accepted revision kept once");
    assert_eq!(
        post_report(hub.addr, TEST_KEY, &report_id(2), 1)
            .await
            .status,
        201
    );
    assert_eq!(hub.store.reports().await.expect("reports").len(), 2);
    hub.stop().await;
}

async fn refuses_forged_missing_and_malformed_signatures(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let id = report_id(1);
    let body = report_body(&id, 1);
    let good = schoolgate_hub::signing_keys::sign(TEST_KEY, body.as_bytes());
    let forged = schoolgate_hub::signing_keys::sign(&"f".repeat(64), body.as_bytes());
    let other_body = schoolgate_hub::signing_keys::sign(TEST_KEY, report_body(&id, 2).as_bytes());
    let cases: [(&str, Option<&str>); 6] = [
        ("no signature", None),
        ("a stranger's key", Some(&forged)),
        ("another body's signature", Some(&other_body)),
        ("not sha256=", Some("sha1=0123")),
        ("short", Some(&good[..good.len() - 2])),
        ("empty", Some("")),
    ];
    for (why, signature) in cases {
        let mut headers = vec![
            ("X-Schoolgate-Report-Id", id.as_str()),
            ("X-Schoolgate-Revision", "1"),
        ];
        if let Some(signature) = signature {
            headers.push(("X-Schoolgate-Signature", signature));
        }
        let reply = http::post(hub.addr, &headers, body.as_bytes()).await;
        assert_eq!(reply.status, 401, "{why}: {}", reply.body);
        assert!(
            reply.json()["error"]
                .as_str()
                .is_some_and(|e| !e.is_empty()),
            "{why}: a reason"
        );
    }
    // The body changed on the way by one byte.
    let tampered = body.replace("Oak Hill", "Oak Hall");
    let reply = post_signed_with(hub.addr, &good, &id, "1", tampered.as_bytes()).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_nothing_stored(&hub).await;
    // The right signature, upper-case hex (read without regard to case), is accepted.
    let reply = post_signed_with(
        hub.addr,
        &good.to_uppercase().replace("SHA256=", "sha256="),
        &id,
        "1",
        body.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    hub.stop().await;
}

async fn post_signed_with(
    addr: std::net::SocketAddr,
    signature: &str,
    id: &str,
    revision: &str,
    body: &[u8],
) -> support::Reply {
    http::post(
        addr,
        &[
            ("X-Schoolgate-Signature", signature),
            ("X-Schoolgate-Report-Id", id),
            ("X-Schoolgate-Revision", revision),
        ],
        body,
    )
    .await
}

async fn refuses_a_revoked_key_at_once(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let second = "9".repeat(64);
    support::add_key(&hub.store, "second", &second).await;
    assert_eq!(
        post_report(hub.addr, TEST_KEY, &report_id(1), 1)
            .await
            .status,
        201
    );
    assert_eq!(
        post_report(hub.addr, &second, &report_id(2), 1)
            .await
            .status,
        201,
        "any active key is accepted"
    );
    assert!(hub
        .store
        .revoke_signing_key("test", &schoolgate_hub::now())
        .await
        .expect("revoke"));
    // Revoked: a new report, and a replay of one already stored, are both refused.
    assert_eq!(
        post_report(hub.addr, TEST_KEY, &report_id(3), 1)
            .await
            .status,
        401
    );
    assert_eq!(
        post_report(hub.addr, TEST_KEY, &report_id(1), 1)
            .await
            .status,
        401
    );
    assert_eq!(
        post_report(hub.addr, &second, &report_id(3), 1)
            .await
            .status,
        201
    );
    assert!(
        !hub.store
            .revoke_signing_key("test", &schoolgate_hub::now())
            .await
            .expect("revoke"),
        "already revoked"
    );
    assert_eq!(hub.store.reports().await.expect("reports").len(), 3);
    hub.stop().await;
}

async fn refuses_headers_that_do_not_match_the_body(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let id = report_id(1);
    let body = report_body(&id, 2);
    let signature = schoolgate_hub::signing_keys::sign(TEST_KEY, body.as_bytes());
    let other = report_id(2);
    let cases: [(&str, Option<&str>, Option<&str>); 12] = [
        ("another id", Some(&other), Some("2")),
        ("another revision", Some(&id), Some("1")),
        ("a higher revision", Some(&id), Some("3")),
        ("no id header", None, Some("2")),
        ("no revision header", Some(&id), None),
        ("a path for an id", Some("../../etc/passwd"), Some("2")),
        ("a slash in the id", Some("r-abc/def-1234"), Some("2")),
        ("revision 0", Some(&id), Some("0")),
        ("a negative revision", Some(&id), Some("-2")),
        ("a fractional revision", Some(&id), Some("2.0")),
        ("a revision with a sign", Some(&id), Some("+2")),
        ("a huge revision", Some(&id), Some("99999999999999999999")),
    ];
    for (why, id_header, revision_header) in cases {
        let mut headers = vec![("X-Schoolgate-Signature", signature.as_str())];
        if let Some(v) = id_header {
            headers.push(("X-Schoolgate-Report-Id", v));
        }
        if let Some(v) = revision_header {
            headers.push(("X-Schoolgate-Revision", v));
        }
        let reply = http::post(hub.addr, &headers, body.as_bytes()).await;
        assert_eq!(reply.status, 400, "{why}: {}", reply.body);
        assert!(
            reply.json()["error"]
                .as_str()
                .is_some_and(|e| e.contains("X-Schoolgate")),
            "{why}: {}",
            reply.body
        );
    }
    assert_nothing_stored(&hub).await;
    hub.stop().await;
}

async fn refuses_bodies_that_are_not_reports(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let id = report_id(1);
    let good = report_body(&id, 1);
    let with = |field: &str, value: serde_json::Value| {
        let mut report: serde_json::Value = serde_json::from_str(&good).expect("json");
        report[field] = value;
        report.to_string()
    };
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "not JSON",
            b"{\"schema\": \"schoolgate-report/1\", ".to_vec(),
            400,
        ),
        ("not UTF-8", b"{\"schema\":\"\xff\xfe\"}".to_vec(), 400),
        ("empty", Vec::new(), 400),
        (
            "deeply nested",
            format!("{}{}", "[".repeat(200), "]".repeat(200)).into_bytes(),
            400,
        ),
        ("an array", b"[1, 2, 3]".to_vec(), 422),
        (
            "an unknown schema",
            with("schema", "schoolgate-report/2".into()).into_bytes(),
            422,
        ),
        (
            "no schema",
            with("schema", serde_json::Value::Null).into_bytes(),
            422,
        ),
        (
            "a path for an id",
            with("id", "../../../etc/passwd".into()).into_bytes(),
            422,
        ),
        ("revision 0", with("revision", 0.into()).into_bytes(), 422),
        (
            "a negative revision",
            with("revision", (-1).into()).into_bytes(),
            422,
        ),
        (
            "a fractional revision",
            with("revision", 1.5.into()).into_bytes(),
            422,
        ),
        (
            "a revision as text",
            with("revision", "1".into()).into_bytes(),
            422,
        ),
    ];
    for (why, body, status) in cases {
        let signature = schoolgate_hub::signing_keys::sign(TEST_KEY, &body);
        let reply = post_signed_with(hub.addr, &signature, &id, "1", &body).await;
        assert_eq!(reply.status, status, "{why}: {}", reply.body);
        assert!(
            reply.json()["error"]
                .as_str()
                .is_some_and(|e| !e.is_empty()),
            "{why}: a reason"
        );
    }
    assert_nothing_stored(&hub).await;
    hub.stop().await;
}

async fn refuses_oversized_bodies_without_reading_them(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let id = report_id(1);
    // Content-Length says 50 MB and not one byte follows: the answer must come at once.
    let started = Instant::now();
    let head = format!(
        "POST /api/v1/reports HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\nX-Schoolgate-Report-Id: {id}\r\nX-Schoolgate-Revision: 1\r\nX-Schoolgate-Signature: sha256={}",
        "0".repeat(64)
    );
    let reply = http::raw(hub.addr, &head, b"").await.expect("reply");
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "413 only after {:?}",
        started.elapsed()
    );

    // A chunked body with no length: refused as soon as it passes the limit.
    let padding = "x".repeat(MAX_REPORT_BYTES);
    let body = report_body(&id, 1).replace("\"test\"", &format!("\"{padding}\""));
    let signature = schoolgate_hub::signing_keys::sign(TEST_KEY, body.as_bytes());
    let head = format!(
        "POST /api/v1/reports HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-Schoolgate-Report-Id: {id}\r\nX-Schoolgate-Revision: 1\r\nX-Schoolgate-Signature: {signature}"
    );
    let chunked: Vec<u8> = body
        .as_bytes()
        .chunks(64 * 1024)
        .flat_map(|c| {
            [
                format!("{:x}\r\n", c.len()).into_bytes(),
                c.to_vec(),
                b"\r\n".to_vec(),
            ]
            .concat()
        })
        .chain(b"0\r\n\r\n".iter().copied())
        .collect();
    let reply = http::raw(hub.addr, &head, &chunked).await.expect("reply");
    assert_eq!(reply.status, 413, "chunked: {}", reply.body);
    // And with an honest Content-Length one byte over the limit.
    let exact: String = "y".repeat(MAX_REPORT_BYTES + 1);
    let reply = post_signed(hub.addr, TEST_KEY, &id, 1, &exact).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_nothing_stored(&hub).await;

    // A large report under the limit is fine.
    let big = report_body(&id, 1).replacen(
        "\"test\"",
        &format!("\"{}\"", "z".repeat(MAX_REPORT_BYTES * 9 / 10)),
        1,
    );
    assert!(big.len() < MAX_REPORT_BYTES);
    assert_eq!(
        post_signed(hub.addr, TEST_KEY, &id, 1, &big).await.status,
        201
    );
    hub.stop().await;
}

async fn replays_change_nothing_after_a_restart(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let id = report_id(7);
    assert_eq!(post_report(hub.addr, TEST_KEY, &id, 1).await.status, 201);
    assert_eq!(post_report(hub.addr, TEST_KEY, &id, 2).await.status, 201);
    hub.stop().await;
    // A new hub on the same database: what it answers comes from the stored state alone.
    let hub = InProcessHub::start(&db).await;
    for revision in [2, 1] {
        let reply = post_report(hub.addr, TEST_KEY, &id, revision).await;
        assert_eq!(
            reply.status, 200,
            "replayed revision {revision}: {}",
            reply.body
        );
    }
    assert_eq!(hub.store.revisions().await.expect("revisions").len(), 2);
    assert_eq!(
        hub.store
            .report(&id)
            .await
            .expect("read")
            .map(|r| r.revision),
        Some(2)
    );
    hub.stop().await;
}

async fn health_check_answers(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let reply = http::get(hub.addr, "/healthz").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["database"], db.backend());
    assert_eq!(http::get(hub.addr, "/api/v1/reports").await.status, 405);
    assert_eq!(http::get(hub.addr, "/nothing-here").await.status, 404);
    hub.stop().await;
}

async fn drops_a_body_that_never_ends(db: TestDb) {
    let limits = Limits {
        request_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let hub = InProcessHub::start_with(&db, limits).await;
    let id = report_id(1);
    let body = report_body(&id, 1);
    let signature = schoolgate_hub::signing_keys::sign(TEST_KEY, body.as_bytes());
    // Content-Length promises the whole report; only half of it is ever sent.
    let head = format!(
        "POST /api/v1/reports HTTP/1.1\r\nContent-Length: {}\r\nX-Schoolgate-Report-Id: {id}\r\nX-Schoolgate-Revision: 1\r\nX-Schoolgate-Signature: {signature}",
        body.len()
    );
    let started = Instant::now();
    let reply = http::raw(hub.addr, &head, &body.as_bytes()[..body.len() / 2])
        .await
        .expect("reply");
    assert_eq!(reply.status, 408, "{}", reply.body);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "dropped only after {:?}",
        started.elapsed()
    );
    assert_nothing_stored(&hub).await;
    // The hub goes on serving.
    assert_eq!(post_report(hub.addr, TEST_KEY, &id, 1).await.status, 201);
    hub.stop().await;
}
