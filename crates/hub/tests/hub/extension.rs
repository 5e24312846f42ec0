//! Byte for byte what the extension sends: bodies made by shared-ui/report/model.js and signed by
//! shared-ui/report/sign.js, posted with the headers extension/sw/report-delivery.js sets.

use schoolgate_hub::store::Store;

use crate::on_both_backends;
use crate::support::{self, http, InProcessHub, TestDb};

on_both_backends!(accepts_the_extensions_signed_fixture);

#[derive(serde::Deserialize)]
struct Signed {
    id: String,
    revision: u64,
    body: String,
    signature: String,
}

#[derive(serde::Deserialize)]
struct Fixture {
    key: String,
    revisions: Vec<Signed>,
}

async fn post_as_the_extension(hub: &InProcessHub, signed: &Signed) -> support::Reply {
    let revision = signed.revision.to_string();
    http::post(
        hub.addr,
        &[
            ("X-Schoolgate-Signature", &signed.signature),
            ("X-Schoolgate-Report-Id", &signed.id),
            ("X-Schoolgate-Revision", &revision),
        ],
        signed.body.as_bytes(),
    )
    .await
}

async fn accept_all(db: &TestDb, fixture: &Fixture) {
    let hub = InProcessHub::start(db).await;
    support::add_key(&hub.store, "extension", &fixture.key).await;
    for signed in &fixture.revisions {
        let reply = post_as_the_extension(&hub, signed).await;
        assert_eq!(
            reply.status, 201,
            "revision {}: {}",
            signed.revision, reply.body
        );
        assert_eq!(
            post_as_the_extension(&hub, signed).await.status,
            200,
            "the retry of revision {}",
            signed.revision
        );
    }
    let last = fixture.revisions.last().expect("a revision");
    let stored = hub
        .store
        .report(&last.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        stored.body.as_bytes(),
        last.body.as_bytes(),
        "the exact bytes the extension signed"
    );
    assert_eq!(stored.signing_key, "extension");
    assert_eq!(
        stored.created_at.as_deref(),
        Some("2026-11-25T12:30:00.000Z")
    );
    hub.stop().await;
}

/// The committed fixture (tests/fixtures/hub/sign-fixture.mjs made it with the extension's code).
async fn accepts_the_extensions_signed_fixture(db: TestDb) {
    let path = support::repo_root().join("tests/fixtures/hub/extension-signed-report.json");
    let fixture: Fixture = serde_json::from_str(&std::fs::read_to_string(path).expect("fixture"))
        .expect("fixture JSON");
    assert!(
        fixture.revisions.iter().any(|r| !r.body.is_ascii()),
        "the fixture carries non-ASCII text"
    );
    accept_all(&db, &fixture).await;
}

/// Signs afresh with Node running the extension's own modules, so a change to model.js or sign.js
/// that the hub would refuse fails here (CI has Node; elsewhere, without it, this is skipped).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepts_reports_signed_by_sign_js_now() {
    let script = support::repo_root().join("tests/fixtures/hub/sign-fixture.mjs");
    let output = match std::process::Command::new("node").arg(&script).output() {
        Ok(output) => output,
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && std::env::var("CI").as_deref() != Ok("true") =>
        {
            eprintln!("skipped: node is not installed");
            return;
        }
        Err(e) => panic!("node: {e}"),
    };
    assert!(
        output.status.success(),
        "node: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fixture: Fixture = serde_json::from_slice(&output.stdout).expect("node's output");
    accept_all(&TestDb::sqlite(), &fixture).await;
}
