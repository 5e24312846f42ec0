//! The policy under change control (policyhub, issue 18), on both back ends: a change is
//! proposed with a preview computed from the school's real events, approved by two people (the
//! proposer never gives the second approval), published as a signed bundle the device's check
//! accepts with `policy-key`'s public key, with ETag/304; rollback publishes a new version with
//! the old text; an invalid policy is refused with its line and key and nothing typed is lost;
//! the change-control log exports every version; every state change is in the audit chain. And
//! the shared test vectors (`tests/fixtures/policy-bundle/`) verify as the device must.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use schoolgate_hub::audit;
use schoolgate_hub::policy_bundle::{self, BundleError, BundleKey, Payload};
use schoolgate_hub::store::Store;
use serde_json::{json, Value};

use crate::events::{batch_body, send};
use crate::on_both_backends;
use crate::roles::{invite, join, session};
use crate::support::{self, forms, http, InProcessHub, TestDb, TEST_KEY};
use crate::web::dsl_session;

on_both_backends!(
    two_approvals_publish_a_signed_policy_and_history_names_both,
    the_command_line_imports_a_policy_as_a_proposal_and_prints_one_key,
    only_its_proposer_withdraws_a_proposal_and_an_approver_declines_one,
);

const PASSWORD: &str = "a long pass phrase for policy";

/// KS1's first school policy: games allowed, and an allow entry for a locked-list host (which
/// must change nothing: the locked list wins).
const FIRST: &str = "# Oak Hill's policy\n[school]\nname = \"Oak Hill Primary\"\n\n[groups.ks1]\nallow = [\"abuse-standin.example\"]\n\n[groups.ks1.categories]\ngames = \"allow\"\n";

/// An account invited by the DSL with `role`, signed in; its cookie.
async fn account(hub: &InProcessHub, dsl: &str, name: &str, role: &str) -> String {
    let link = invite(hub, dsl, name, role).await;
    let (status, secret) = join(hub, &link, PASSWORD).await;
    assert_eq!(status, 303, "{name} joins");
    session(hub, name, PASSWORD, &secret).await
}

/// Posts `fields` to `path` as the holder of `cookie` (the CSRF token from `form_page`).
async fn submit(
    hub: &InProcessHub,
    cookie: &str,
    form_page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> http::Reply {
    let auth = forms::open_form(hub.addr, form_page, Some(cookie)).await;
    forms::post(hub.addr, path, &auth, fields).await
}

/// The number at the end of a `/policy/proposals/N` redirect.
fn proposal_id(reply: &http::Reply) -> String {
    assert_eq!(reply.status, 303, "{}", reply.body);
    let location = reply.header("location").expect("a redirect");
    location
        .strip_prefix("/policy/proposals/")
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned()
}

async fn approve(hub: &InProcessHub, cookie: &str, id: &str) -> http::Reply {
    let page = format!("/policy/proposals/{id}");
    submit(hub, cookie, &page, &format!("{page}/approve"), &[]).await
}

/// Blocked KS1 pages from the last days, as the extension sends them.
async fn ks1_events(hub: &InProcessHub) {
    let at = |hours: i64| {
        (chrono::Utc::now() - chrono::Duration::hours(hours))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let blocked = |n: u32, hours: i64, host: &str, category: &str| {
        json!({ "id": format!("e-{n:08}"), "at": at(hours), "kind": "blocked",
                "url": format!("https://{host}/page"), "host": host, "category": category,
                "rule": "list", "via": "typed" })
    };
    let events = vec![
        blocked(1, 2, "games-one.example", "games"),
        blocked(2, 3, "games-one.example", "games"),
        blocked(3, 26, "games-two.example", "games"),
        blocked(4, 30, "abuse-standin.example", "child-abuse"),
        blocked(5, 31, "bets.example", "gambling"),
        // Older than a week: not counted.
        blocked(6, 24 * 9, "games-three.example", "games"),
    ];
    let mut body: Value =
        serde_json::from_str(&batch_body("b-policy-1", "d-ks1-01", None, events)).expect("json");
    body["group"] = json!("ks1");
    let body = body.to_string();
    assert_eq!(
        send(hub.addr, TEST_KEY, "b-policy-1", &body).await.status,
        201
    );
}

/// The bundle served now, verified with `public_key` as the device verifies it.
async fn fetch_bundle(hub: &InProcessHub, public_key: &str) -> (http::Reply, Payload) {
    let reply = http::get(hub.addr, "/api/v1/policy").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-cache"));
    assert!(reply
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/json")));
    let payload = policy_bundle::verify(&reply.body, public_key).expect("the signature verifies");
    (reply, payload)
}

async fn two_approvals_publish_a_signed_policy_and_history_names_both(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let deputy = account(&hub, &dsl, "deputy", "deputy-dsl").await;
    let head = account(&hub, &dsl, "head", "governor").await;
    ks1_events(&hub).await;

    // Nothing published yet.
    let none = http::get(hub.addr, "/api/v1/policy").await;
    assert_eq!(none.status, 404);
    assert_eq!(
        none.json(),
        json!({ "error": "no policy has been published yet" })
    );
    // A governor may read the history, never propose.
    assert_eq!(
        crate::roles::status(&hub, "/policy/history", &head).await,
        200
    );
    assert_eq!(crate::roles::status(&hub, "/policy/edit", &head).await, 403);

    // An invalid policy is refused with its line and key, and the text and reason stay.
    let broken =
        "[school]\nname = \"Oak Hill Primary\"\n\n[categories]\ngambling = \"sometimes-maybe\"\n";
    let refused = submit(
        &hub,
        &dsl,
        "/policy/edit",
        "/policy/edit",
        &[("op", "propose"), ("policy", broken), ("reason", "Try it")],
    )
    .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("line 5, column "), "{}", refused.body);
    assert!(
        refused.body.contains("categories.gambling"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("sometimes-maybe"), "the text is kept");
    assert!(
        refused.body.contains("value=\"Try it\""),
        "the reason is kept"
    );
    // No reason: refused, text kept.
    let no_reason = submit(
        &hub,
        &dsl,
        "/policy/edit",
        "/policy/edit",
        &[("op", "propose"), ("policy", FIRST), ("reason", "  ")],
    )
    .await;
    assert_eq!(no_reason.status, 400);
    assert!(
        no_reason.body.contains("Give a reason"),
        "{}",
        no_reason.body
    );
    assert!(
        no_reason.body.contains("Oak Hill&#39;s policy")
            || no_reason.body.contains("Oak Hill's policy")
    );

    // The preview, from the events above: KS1 pupils tried 3 games pages this week (the 4th is
    // older); the locked-list page stays blocked although the proposal allows its host.
    let preview = submit(
        &hub,
        &dsl,
        "/policy/edit",
        "/policy/edit",
        &[
            ("op", "preview"),
            ("policy", FIRST),
            ("reason", "Games at KS1"),
        ],
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let ks1_label = schoolgate_core::policy::Policy::from_toml(FIRST)
        .expect("valid")
        .group("ks1")
        .expect("ks1")
        .label()
        .to_owned();
    assert!(
        preview.body.contains(&format!(
            "This would unblock 3 pages {ks1_label} pupils tried this week"
        )),
        "{}",
        preview.body
    );
    assert!(preview
        .body
        .contains("1 blocked page stays blocked: a locked list blocks them."));
    assert!(preview
        .body
        .contains("Unblocked: games-one.example (2), games-two.example (1)"));
    assert!(!preview.body.contains("abuse-standin.example ("));

    // Proposed by the DSL; the DSL's own approval is the first, never the second.
    let id = proposal_id(
        &submit(
            &hub,
            &dsl,
            "/policy/edit",
            "/policy/edit",
            &[
                ("op", "propose"),
                ("policy", FIRST),
                ("reason", "Games at KS1"),
            ],
        )
        .await,
    );
    assert_eq!(approve(&hub, &dsl, &id).await.status, 303);
    let again = approve(&hub, &dsl, &id).await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("already approved"), "{}", again.body);
    assert_eq!(http::get(hub.addr, "/api/v1/policy").await.status, 404);
    // The proposal page shows the same preview.
    let proposal_page = http::get_with(
        hub.addr,
        &format!("/policy/proposals/{id}"),
        &[("Cookie", deputy.as_str())],
    )
    .await;
    assert!(proposal_page.body.contains("This would unblock 3 pages"));
    assert_eq!(approve(&hub, &deputy, &id).await.status, 303);

    // Published as version 1; the bundle verifies with the key `policy-key` prints.
    let printed = support::hub_command(&db, &["policy-key"]);
    assert!(printed.status.success());
    let public_key = support::stdout(&printed).trim().to_owned();
    assert_eq!(public_key.len(), 43, "{public_key}");
    let (first, payload) = fetch_bundle(&hub, &public_key).await;
    assert_eq!(first.header("etag"), Some("\"v1\""));
    assert_eq!(payload.version, 1);
    assert_eq!(payload.policy, FIRST);
    assert_eq!(payload.school, "Oak Hill Primary");
    assert_eq!(payload.reason, "Games at KS1");
    assert_eq!(payload.approved_by, ["dsl", "deputy"]);
    assert!(payload.published_at.ends_with('Z') && payload.published_at.len() == 20);
    let bundle: Value = serde_json::from_str(&first.body).expect("json");
    assert_eq!(bundle["format"], "schoolgate-policy-bundle/1");
    let raw_key: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&public_key)
        .expect("base64url")
        .try_into()
        .expect("32 bytes");
    // Verified here with ed25519-dalek directly as well, on exactly the payload bytes.
    let key = ed25519_dalek::VerifyingKey::from_bytes(&raw_key).expect("key");
    let bytes = URL_SAFE_NO_PAD
        .decode(bundle["payload"].as_str().expect("payload"))
        .expect("payload");
    let signature = ed25519_dalek::Signature::from_slice(
        &URL_SAFE_NO_PAD
            .decode(bundle["signature"].as_str().expect("signature"))
            .expect("signature"),
    )
    .expect("64 bytes");
    key.verify_strict(&bytes, &signature).expect("verifies");
    assert_eq!(
        bundle["keyId"],
        policy_bundle::key_id(&key),
        "the first 16 hex digits of SHA-256 of the key"
    );
    // A tampered payload does not verify.
    let mut tampered = bundle.clone();
    tampered["payload"] = json!(URL_SAFE_NO_PAD.encode(
        String::from_utf8(bytes.clone())
            .expect("utf-8")
            .replace("\"version\":1", "\"version\":9")
    ));
    assert_eq!(
        policy_bundle::verify(&tampered.to_string(), &public_key),
        Err(BundleError::BadSignature)
    );
    // ETag and 304.
    let cached = http::get_with(hub.addr, "/api/v1/policy", &[("If-None-Match", "\"v1\"")]).await;
    assert_eq!(cached.status, 304);
    assert_eq!(cached.header("etag"), Some("\"v1\""));
    assert!(cached.body.is_empty());

    // A second change through the form, proposed by the deputy; the DSL approves first, the
    // deputy (the proposer) cannot give the second; the head, marked as leadership, can.
    let applied = submit(
        &hub,
        &deputy,
        "/policy/edit",
        "/policy/edit",
        &[
            ("op", "apply"),
            ("policy", FIRST),
            ("change", "deny-site"),
            ("group", "ks2"),
            ("site", "games.example"),
        ],
    )
    .await;
    assert_eq!(applied.status, 200, "{}", applied.body);
    let second_text = format!("{FIRST}\n[groups.ks2]\ndeny = [\"games.example\"]\n");
    assert!(
        applied.body.contains("deny = [&quot;games.example&quot;]")
            || applied.body.contains("deny = [\"games.example\"]"),
        "{}",
        applied.body
    );
    let id2 = proposal_id(
        &submit(
            &hub,
            &deputy,
            "/policy/edit",
            "/policy/edit",
            &[
                ("op", "propose"),
                ("policy", &second_text),
                ("reason", "Block a games site at KS2"),
            ],
        )
        .await,
    );
    assert_eq!(approve(&hub, &dsl, &id2).await.status, 303);
    let own = approve(&hub, &deputy, &id2).await;
    assert_eq!(own.status, 409);
    assert!(
        own.body.contains("cannot give its second approval"),
        "{}",
        own.body
    );
    assert_eq!(
        approve(&hub, &head, &id2).await.status,
        409,
        "not leadership yet"
    );
    let marked = submit(
        &hub,
        &dsl,
        "/policy/settings",
        "/policy/settings",
        &[("second_approval", "on"), ("leader", "head")],
    )
    .await;
    assert_eq!(marked.status, 303, "{}", marked.body);
    assert_eq!(approve(&hub, &head, &id2).await.status, 303);
    let (_, second) = fetch_bundle(&hub, &public_key).await;
    assert_eq!(second.version, 2);
    assert_eq!(second.approved_by, ["dsl", "head"]);

    // Rollback to version 1: a new proposal with version 1's text and the reason filled in,
    // through the same approvals, published as version 3.
    let history = http::get_with(hub.addr, "/policy/history", &[("Cookie", dsl.as_str())]).await;
    assert!(
        history.body.contains("Roll back to version 1"),
        "{}",
        history.body
    );
    let id3 = proposal_id(
        &submit(
            &hub,
            &dsl,
            "/policy/history",
            "/policy/rollback",
            &[("version", "1"), ("reason", "Roll back to version 1")],
        )
        .await,
    );
    assert_eq!(approve(&hub, &deputy, &id3).await.status, 303);
    assert_eq!(approve(&hub, &head, &id3).await.status, 303);
    let (third_reply, third) = fetch_bundle(&hub, &public_key).await;
    assert_eq!(third_reply.header("etag"), Some("\"v3\""));
    assert_eq!(third.version, 3);
    assert_eq!(third.policy, FIRST);
    assert_eq!(third.reason, "Roll back to version 1");
    let stale = http::get_with(hub.addr, "/api/v1/policy", &[("If-None-Match", "\"v1\"")]).await;
    assert_eq!(stale.status, 200, "a device on version 1 gets version 3");

    // The history (a governor reads it) names both approvers of each version.
    let history = http::get_with(hub.addr, "/policy/history", &[("Cookie", head.as_str())]).await;
    assert_eq!(history.status, 200);
    for names in [
        "<strong>dsl</strong>",
        "<strong>deputy</strong>",
        "<strong>head</strong>",
    ] {
        assert!(history.body.contains(names), "{names}: {}", history.body);
    }
    // The change-control log has every version, with who and why.
    let csv = http::get_with(
        hub.addr,
        "/policy/history.csv",
        &[("Cookie", head.as_str())],
    )
    .await;
    assert_eq!(csv.status, 200);
    let rows: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 4, "a header and three proposals: {}", csv.body);
    assert!(
        rows[1].starts_with("\"1\",\"1\",\"published\",\"dsl\""),
        "{}",
        rows[1]
    );
    assert!(rows[1].contains("\"dsl; deputy\""), "{}", rows[1]);
    assert!(
        rows[2].contains("\"deputy\"") && rows[2].contains("\"dsl; head\""),
        "{}",
        rows[2]
    );
    assert!(rows[3].contains("\"Roll back to version 1\"") && rows[3].contains("\"deputy; head\""));
    let printable = http::get_with(
        hub.addr,
        "/policy/history/print",
        &[("Cookie", head.as_str())],
    )
    .await;
    assert_eq!(printable.status, 200);
    assert!(printable.body.contains("Block a games site at KS2"));

    // Every state change is in the audit chain, and the chain holds.
    let log = hub.store.audit_log().await.expect("log");
    audit::verify(&log).expect("intact");
    let count = |action: &str| log.iter().filter(|e| e.action == action).count();
    assert_eq!(count("policy-proposed"), 3);
    assert_eq!(count("policy-approved"), 6);
    assert_eq!(count("policy-published"), 3);
    assert_eq!(count("policy-leader-marked"), 1);
    // The IT lead's page shows the key to put in the Admin console.
    let it = account(&hub, &dsl, "itlead", "it-lead").await;
    let keys = http::get_with(hub.addr, "/keys", &[("Cookie", it.as_str())]).await;
    assert!(keys.body.contains(&public_key) && keys.body.contains("hubPolicyKey"));
    hub.stop().await;
}

/// `policy import` proposes the school's current managed TOML (checked by the core, a reason
/// required); `policy-key` prints the same key every time, on every hub of the database.
async fn the_command_line_imports_a_policy_as_a_proposal_and_prints_one_key(db: TestDb) {
    let good = db.dir.path().join("managed-policy.toml");
    std::fs::write(&good, FIRST).expect("write");
    let bad = db.dir.path().join("broken.toml");
    std::fs::write(
        &bad,
        "[school]\nname = \"X\"\n\n[categories]\ngambling = \"sometimes\"\n",
    )
    .expect("write");
    let path = |p: &std::path::Path| p.to_str().expect("utf-8").to_owned();
    let refused = support::hub_command(&db, &["policy", "import", &path(&bad), "--reason", "Ours"]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("line 5, column ") && said.contains("gambling"),
        "{said}"
    );
    let no_reason = support::hub_command(&db, &["policy", "import", &path(&good), "--reason", " "]);
    assert!(!no_reason.status.success());
    assert!(String::from_utf8_lossy(&no_reason.stderr).contains("give a reason"));
    let imported = support::hub_command(
        &db,
        &[
            "policy",
            "import",
            &path(&good),
            "--reason",
            "The managed policy today",
            "--by",
            "dsl",
        ],
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(support::stdout(&imported).contains("as proposal 1"));
    let store = db.open().await;
    let proposals = schoolgate_hub::store::PolicyStore::policy_proposals(&store)
        .await
        .expect("proposals");
    assert_eq!(proposals.len(), 1, "the refused files stored nothing");
    assert_eq!(
        (
            proposals[0].policy.as_str(),
            proposals[0].reason.as_str(),
            proposals[0].proposed_by.as_str()
        ),
        (FIRST, "The managed policy today", "dsl")
    );
    assert_eq!(
        proposals[0].state,
        schoolgate_hub::policy_change::ProposalState::Proposed
    );
    let key = |_| {
        support::stdout(&support::hub_command(&db, &["policy-key"]))
            .trim()
            .to_owned()
    };
    let (first, second) = (key(1), key(2));
    assert_eq!(first.len(), 43);
    assert_eq!(first, second, "made once, then kept");
}

/// Withdraw is the proposer's, decline an approver's; a closed proposal cannot be approved; both
/// are in the audit chain, and neither publishes anything.
async fn only_its_proposer_withdraws_a_proposal_and_an_approver_declines_one(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let deputy = account(&hub, &dsl, "deputy", "deputy-dsl").await;
    let it = account(&hub, &dsl, "itlead", "it-lead").await;
    let propose = |cookie: String, reason: &'static str| {
        let hub = &hub;
        async move {
            proposal_id(
                &submit(
                    hub,
                    &cookie,
                    "/policy/edit",
                    "/policy/edit",
                    &[("op", "propose"), ("policy", FIRST), ("reason", reason)],
                )
                .await,
            )
        }
    };
    // The IT lead may propose, not approve.
    let by_it = propose(it.clone(), "Proposed by the IT lead").await;
    let refused = approve(&hub, &it, &by_it).await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("may not approve"), "{}", refused.body);
    let close = |cookie: String, id: String, what: &'static str| {
        let hub = &hub;
        async move {
            let page = format!("/policy/proposals/{id}");
            submit(hub, &cookie, &page, &format!("{page}/{what}"), &[]).await
        }
    };
    let not_theirs = close(deputy.clone(), by_it.clone(), "withdraw").await;
    assert_eq!(not_theirs.status, 409);
    assert!(not_theirs.body.contains("only the person who proposed"));
    assert_eq!(
        close(it.clone(), by_it.clone(), "withdraw").await.status,
        303
    );
    let closed = approve(&hub, &dsl, &by_it).await;
    assert_eq!(
        closed.status, 409,
        "a withdrawn proposal cannot be approved"
    );
    assert!(closed.body.contains("no longer waiting"));
    let by_dsl = propose(dsl.clone(), "Proposed by the DSL").await;
    assert_eq!(
        close(it.clone(), by_dsl.clone(), "decline").await.status,
        409
    );
    assert_eq!(
        close(deputy.clone(), by_dsl.clone(), "decline")
            .await
            .status,
        303
    );
    assert_eq!(http::get(hub.addr, "/api/v1/policy").await.status, 404);
    let all = schoolgate_hub::store::PolicyStore::policy_proposals(&hub.store)
        .await
        .expect("proposals");
    let states: Vec<(&str, Option<&str>)> = all
        .iter()
        .map(|p| (p.state.as_str(), p.closed_by.as_deref()))
        .collect();
    assert_eq!(
        states,
        [("withdrawn", Some("itlead")), ("declined", Some("deputy"))]
    );
    let log = hub.store.audit_log().await.expect("log");
    for action in ["policy-withdrawn", "policy-declined"] {
        assert_eq!(
            log.iter().filter(|e| e.action == action).count(),
            1,
            "{action}"
        );
    }
    hub.stop().await;
}

/// The shared test vectors: what the device's check must accept and refuse.
#[test]
fn the_shared_test_vectors_verify_as_the_device_must() {
    let path = support::repo_root().join("tests/fixtures/policy-bundle/vectors.json");
    let text = std::fs::read_to_string(&path).expect("the vectors file");
    let file: Value = serde_json::from_str(&text).expect("json");
    let secret = file["testOnlyKeyPair"]["secretHex"]
        .as_str()
        .expect("secret");
    let key = BundleKey::from_secret_hex(secret).expect("key");
    assert_eq!(
        key.public_key(),
        file["testOnlyKeyPair"]["publicKey"]
            .as_str()
            .expect("public")
    );
    let vectors = file["vectors"].as_array().expect("vectors");
    assert!(vectors.len() >= 4);
    for vector in vectors {
        let name = vector["name"].as_str().expect("name");
        let bundle = vector["bundle"].to_string();
        let public = vector["publicKey"].as_str().expect("publicKey");
        let result = policy_bundle::verify(&bundle, public);
        if vector["valid"] == json!(true) {
            let payload = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            let expected: Payload =
                serde_json::from_value(vector["payload"].clone()).expect("payload");
            assert_eq!(payload, expected, "{name}");
            // The hub signs those payload bytes to exactly this bundle (Ed25519 is deterministic).
            let signed = serde_json::to_value(key.sign(&expected)).expect("json");
            assert_eq!(signed, vector["bundle"], "{name}");
        } else {
            assert!(result.is_err(), "{name} must be refused");
        }
    }
}
