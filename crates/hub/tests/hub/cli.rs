//! The command line, as an IT lead uses it, on both back ends: `signing-key add|list|revoke`
//! (a key revoked from the command line is refused by a hub that is already serving),
//! `migrate`, `backup --to` while the hub serves, and (hubops) a backup holding every table of
//! the schema, restored with `restore --from` into a working hub.

use std::collections::{BTreeMap, BTreeSet};

use schoolgate_hub::accounts;
use schoolgate_hub::audit::{self, AuditEvent};
use schoolgate_hub::config::DatabaseLocation;
use schoolgate_hub::oidc::Pending;
use schoolgate_hub::store::{
    AccountAdmin, AccountLink, DigestStore, EventStore, FilterCheckStore, LinkPurpose,
    OidcSettings, PolicyStore, RequestStore, SignInState, SqliteStore, StaffDeviceStore, Store,
};
use schoolgate_hub::throttle::{self, ThrottleKey};
use sqlx::Connection;

use crate::on_both_backends;
use crate::several_hubs::count_rows;
use crate::support::{
    forms, http, hub_command, post_report, report_body, report_id, stdout, HubProcess,
    InProcessHub, TestDb, TEST_KEY,
};
use crate::web::{dsl_account, PASSWORD};

on_both_backends!(
    signing_keys_from_the_command_line,
    migrate_is_idempotent,
    backup_while_serving,
    reports_export_json,
    backup_holds_every_table_and_restores,
);

fn run_ok(db: &TestDb, args: &[&str]) -> String {
    let output = hub_command(db, args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

async fn signing_keys_from_the_command_line(db: TestDb) {
    let printed = run_ok(&db, &["signing-key", "add", "--label", "year-3"]);
    let key = printed.trim_end_matches('\n');
    assert_eq!(
        printed.lines().count(),
        1,
        "the key alone, on one line: {printed:?}"
    );
    assert!(
        key.len() == 64
            && key
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{key:?}"
    );
    let second = run_ok(&db, &["signing-key", "add", "--label", "year-4"]);
    assert_ne!(second.trim(), key);

    let listed = run_ok(&db, &["signing-key", "list"]);
    assert!(
        !listed.contains(key) && !listed.contains(second.trim()),
        "list never shows a secret: {listed}"
    );
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(
        lines[0].starts_with("year-3\t") && lines[0].ends_with("\tactive"),
        "{listed}"
    );

    // Refusals: a label taken, a label that is not a name, revoking what does not exist.
    for args in [
        &["signing-key", "add", "--label", "year-3"][..],
        &["signing-key", "add", "--label", "../x"],
        &["signing-key", "revoke", "--label", "nobody"],
    ] {
        let output = hub_command(&db, args);
        assert!(!output.status.success(), "{args:?} should fail");
        assert!(!output.stderr.is_empty(), "{args:?} says why");
    }

    // A serving hub accepts both keys, and refuses one the moment it is revoked elsewhere.
    let hub = HubProcess::start(&db);
    assert_eq!(
        post_report(hub.addr, key, &report_id(1), 1).await.status,
        201
    );
    assert_eq!(
        post_report(hub.addr, second.trim(), &report_id(2), 1)
            .await
            .status,
        201
    );
    assert_eq!(
        run_ok(&db, &["signing-key", "revoke", "--label", "year-3"]).trim(),
        "revoked year-3"
    );
    assert_eq!(
        post_report(hub.addr, key, &report_id(3), 1).await.status,
        401
    );
    assert_eq!(
        post_report(hub.addr, key, &report_id(1), 2).await.status,
        401
    );
    assert_eq!(
        post_report(hub.addr, second.trim(), &report_id(3), 1)
            .await
            .status,
        201
    );
    let listed = run_ok(&db, &["signing-key", "list"]);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("year-3\t") && l.contains("\trevoked 20")),
        "{listed}"
    );
    // A revoked key stays revoked, and its label cannot be reused for a new key.
    assert!(
        !hub_command(&db, &["signing-key", "revoke", "--label", "year-3"])
            .status
            .success()
    );
    assert!(
        !hub_command(&db, &["signing-key", "add", "--label", "year-3"])
            .status
            .success()
    );
}

async fn migrate_is_idempotent(db: TestDb) {
    // Every step this build knows, whichever areas added them.
    let all = schoolgate_hub::migrations::SQLITE
        .iter()
        .map(|m| m.version.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    assert_eq!(
        all, "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13",
        "inbox (3), roles (4), the inbox's summary (5), shared sign-in state (6), events (7), the filter check log (8), pupils' requests (9), policy change control (10), digest e-mails, dismissed alerts and expected devices (11), the governors' summary's index (12), staff devices (13)"
    );
    for _ in 0..2 {
        let printed = run_ok(&db, &["migrate"]);
        assert!(
            printed.contains(&format!("schema up to date (migrations {all})")),
            "{printed}"
        );
    }
    let store = db.open().await;
    assert!(store.reports().await.expect("the tables exist").is_empty());
    // A bad --database is refused with a reason that never echoes a password.
    let output = std::process::Command::new(crate::support::hub_binary())
        .args(["migrate", "--database", "mysql://hub:s3cret@db/hub"])
        .output()
        .expect("run");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("unknown database URL") && !said.contains("s3cret"),
        "{said}"
    );
}

async fn backup_while_serving(db: TestDb) {
    let key = run_ok(&db, &["signing-key", "add", "--label", "school"])
        .trim()
        .to_owned();
    let store = db.open().await;
    for subject in ["r-before-backup-1", "r-before-backup-2"] {
        let event = AuditEvent {
            actor: "dsl".into(),
            action: "viewed-report".into(),
            subject: subject.into(),
        };
        store.audit(&event).await.expect("audit");
    }
    let hub = HubProcess::start(&db);
    for n in 0..20 {
        assert_eq!(
            post_report(hub.addr, &key, &report_id(n), 1).await.status,
            201
        );
    }
    // A case with an assignment (hubinbox's chronology is also who may read a report).
    let assigned = store
        .add_case_entry(&report_id(0), "dsl", "assign", "dsl")
        .await
        .expect("assign");
    // Reports keep arriving while the backup runs.
    let (addr, sending_key) = (hub.addr, key.clone());
    let sending = tokio::spawn(async move {
        for n in 20..80 {
            assert_eq!(
                post_report(addr, &sending_key, &report_id(n), 1)
                    .await
                    .status,
                201
            );
        }
    });
    let file = db.dir.path().join("backups").join("hub-backup.sqlite3");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    let printed = run_ok(&db, &["backup", "--to", file.to_str().expect("utf-8")]);
    assert!(printed.contains("backed up"), "{printed}");
    sending.await.expect("sender");

    // The backup is a SQLite database the hub itself can open, holding every report sent before
    // it started, each consistent with its history.
    let backup = SqliteStore::open(&file).await.expect("open the backup");
    let reports = backup.reports().await.expect("reports");
    let ids: BTreeSet<String> = reports.iter().map(|r| r.id.clone()).collect();
    assert!(
        (0..20).all(|n| ids.contains(&report_id(n))),
        "reports before the backup are in it"
    );
    let revisions = backup.revisions().await.expect("revisions");
    assert_eq!(
        revisions.len(),
        reports.len(),
        "a snapshot: every report with its history, nothing half-written"
    );
    assert_eq!(backup.signing_keys().await.expect("keys").len(), 1);
    let log = backup.audit_log().await.expect("audit log");
    assert_eq!(
        log,
        store.audit_log().await.expect("audit log"),
        "the audit log, whole"
    );
    // (`serve` also records its retention runs; hubinbox.)
    let made_here = log
        .iter()
        .filter(|e| e.action != "retention-deleted")
        .count();
    assert_eq!((made_here, audit::verify(&log)), (3, Ok(())));
    assert_eq!(
        backup.case_entries(&report_id(0)).await.expect("case"),
        vec![assigned],
        "each report's chronology, with its assignment"
    );
    assert!(!file.with_file_name("hub-backup.sqlite3.partial").exists());
    // Never over an existing file.
    let output = hub_command(&db, &["backup", "--to", file.to_str().expect("utf-8")]);
    assert!(
        !output.status.success()
            && String::from_utf8_lossy(&output.stderr).contains("already exists")
    );
}

/// `reports export --json`: every report's newest revision and every revision, bodies exactly as
/// received (parsed), with the key that signed each.
async fn reports_export_json(db: TestDb) {
    let empty: serde_json::Value =
        serde_json::from_str(&run_ok(&db, &["reports", "export", "--json"])).expect("JSON");
    assert_eq!(empty["schema"], "schoolgate-hub-received/1");
    assert_eq!(empty["reports"], serde_json::json!([]));

    let hub = InProcessHub::start(&db).await;
    let (a, b) = (report_id(1), report_id(2));
    for (id, revision) in [(&a, 1), (&a, 2), (&b, 1), (&a, 1)] {
        let status = post_report(hub.addr, TEST_KEY, id, revision).await.status;
        assert!(status == 201 || status == 200, "{status}");
    }
    hub.stop().await;

    let export: serde_json::Value =
        serde_json::from_str(&run_ok(&db, &["reports", "export", "--json"])).expect("JSON");
    let reports = export["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 2);
    let newest_a = reports.iter().find(|r| r["id"] == a.as_str()).expect("a");
    assert_eq!(newest_a["revision"], 2);
    assert_eq!(newest_a["signingKey"], "test");
    let revisions: Vec<(String, i64)> = export["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().expect("id").to_owned(),
                r["revision"].as_i64().expect("revision"),
            )
        })
        .collect();
    assert_eq!(revisions, [(a.clone(), 1), (a.clone(), 2), (b.clone(), 1)]);
    let first = &export["revisions"][0]["body"];
    assert_eq!(
        first,
        &serde_json::from_str::<serde_json::Value>(&report_body(&a, 1)).expect("body"),
        "each revision's own body"
    );
}

/// Every table of the live schema and its row count, read with the test's own catalogue query
/// (not the hub's), so a table the hub's backup forgot to list cannot hide.
async fn table_counts(location: &DatabaseLocation) -> BTreeMap<String, i64> {
    let names: Vec<String> = match location {
        DatabaseLocation::Sqlite(path) => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("connect");
            sqlx::query_scalar(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%'",
            )
            .fetch_all(&mut conn)
            .await
            .expect("tables")
        }
        DatabaseLocation::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            )
            .fetch_all(&mut conn)
            .await
            .expect("tables")
        }
    };
    let mut counts = BTreeMap::new();
    for name in names {
        let rows = count_rows(location, &format!("\"{name}\"")).await;
        counts.insert(name, rows);
    }
    counts
}

/// A row in every table the hub has: reports and revisions, keys, accounts (one disabled), a
/// one-time link, the first-run token, a session, the audit log, a case, sign-in settings, a
/// wrong sign-in and an OpenID Connect sign-in under way. The DSL's TOTP secret.
async fn fill_every_table(db: &TestDb) -> String {
    let hub = InProcessHub::start(db).await;
    for n in 0..3 {
        for revision in 1..=2 {
            let status = post_report(hub.addr, TEST_KEY, &report_id(n), revision)
                .await
                .status;
            assert_eq!(status, 201);
        }
    }
    // Monitoring events through the real endpoint: an event, its batch and its device.
    let body = crate::events::batch_body(
        "b-backup-0001",
        "d-backup-0001",
        Some("pupil@school.example"),
        vec![
            crate::events::search_alert(
                "e-backup-0001",
                "2026-12-07T09:00:00.000Z",
                "prevent",
                "join the fight",
                None,
            ),
            // selftest: a filter check (filter_checks), and below its actions taken.
            crate::filter_checks::filter_check(
                "e-backup-0002",
                "2026-12-07T09:01:00.000Z",
                "daily",
                false,
                "fail locked list child-abuse: empty",
                None,
            ),
        ],
    );
    let status = crate::events::send(hub.addr, TEST_KEY, "b-backup-0001", &body)
        .await
        .status;
    assert_eq!(status, 201);
    // ask: a pupil's request, answered, from a teacher whose groups are set.
    let request = crate::requests::request_body(
        "q-backup-0001",
        "d-backup-0001",
        Some("pupil@school.example"),
        "y4",
        None,
        "games",
    );
    let status = crate::requests::send(&hub, Some(TEST_KEY), &request)
        .await
        .status;
    assert_eq!(status, 201);
    hub.stop().await;
    let store = db.open().await;
    let secret = dsl_account(&store).await;
    // The alert made a safeguarding record (event_alerts).
    let seq = crate::events::all_events(&store).await[0].seq;
    assert!(store
        .link_alert_record(seq, &report_id(0), "dsl", &schoolgate_hub::now())
        .await
        .expect("alert record"));
    let check = store.filter_checks(None, None, 1).await.expect("checks")[0].id;
    assert!(store
        .add_filter_check_action(check, "list fixed", "dsl", &schoolgate_hub::now())
        .await
        .expect("action")
        .is_some());
    let now = schoolgate_hub::now();
    // digest: a scheduled e-mail's claim, a dismissed alert, the list of expected devices.
    assert!(store
        .claim_mail("weekly:2026-W49", "schedule", &now)
        .await
        .expect("claim"));
    assert!(store
        .dismiss_alert(
            seq,
            &schoolgate_hub::store::Dismissal {
                by: "dsl".into(),
                at: now.clone(),
                reason: "a song lyric".into(),
            },
        )
        .await
        .expect("dismiss"));
    store
        .replace_expected_devices(&[schoolgate_hub::store::ExpectedDevice {
            device: "d-backup-0001".into(),
            label: "Trolley 1 slot 1".into(),
            uploaded_by: "dsl".into(),
            uploaded_at: now.clone(),
        }])
        .await
        .expect("expected devices");
    // An old step: the restored hub takes today's code.
    assert!(store
        .sign_in(
            "dsl",
            1,
            &accounts::token_hash("a-session"),
            "2099-01-01T00:00:00.000Z"
        )
        .await
        .expect("session"));
    store
        .replace_setup_token(&accounts::token_hash("another-first-run-link"), &now)
        .await
        .expect("token");
    let later = "2099-01-01T00:00:00.000Z".to_owned();
    for (name, role) in [("reader", "safeguarding-reader"), ("governor", "governor")] {
        let link = AccountLink {
            token_hash: accounts::token_hash(name),
            purpose: LinkPurpose::Invite,
            username: name.into(),
            role: role.into(),
            created_by: "dsl".into(),
            created_at: now.clone(),
            expires_at: later.clone(),
        };
        assert!(store.create_account_link(&link).await.expect("link"));
    }
    assert!(store
        .use_account_link(
            &accounts::token_hash("reader"),
            &now,
            "a-password-hash",
            &secret,
            0
        )
        .await
        .expect("use")
        .is_some());
    assert!(store
        .disable_account("reader", "dsl")
        .await
        .expect("disable"));
    store
        .add_case_entry(&report_id(0), "dsl", "note", "spoke to the class teacher")
        .await
        .expect("case");
    let answer = schoolgate_hub::requests::Answer {
        status: "declined",
        decided_by: "dsl".into(),
        decided_at: now.clone(),
        scope: None,
        window: None,
        note: Some("not in this lesson".into()),
        via: None,
    };
    assert!(store
        .answer_request("q-backup-0001", &answer)
        .await
        .expect("answer"));
    store
        .set_teacher_groups("reader", &["y4".to_owned()], "dsl")
        .await
        .expect("groups");
    let settings = OidcSettings {
        issuer: "https://accounts.google.com".into(),
        client_id: "client".into(),
        client_secret: "secret".into(),
        restriction_kind: "google-hd".into(),
        restriction_value: "oakhill.example".into(),
    };
    store
        .set_oidc_settings(&settings, "dsl")
        .await
        .expect("settings");
    let wrong = [ThrottleKey::Account("someone".into())];
    store
        .throttle_failed(&wrong, throttle::now_millis())
        .await
        .expect("count");
    let pending = Pending {
        state: "s".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        redirect_uri: "http://127.0.0.1:1/login/oidc/callback".into(),
    };
    let now_ms = throttle::now_millis();
    store
        .put_oidc_pending(
            &accounts::token_hash("pending"),
            &pending,
            now_ms,
            now_ms + 600_000,
        )
        .await
        .expect("pending");
    // policyhub: a published policy (a proposal and its approval), the school's approval rule,
    // an account marked as leadership, and the bundle-signing key.
    store
        .set_policy_second_approval(false, "dsl", &now)
        .await
        .expect("rule");
    let proposal = schoolgate_hub::policy_change::propose(
        "[school]\nname = \"Oak Hill Primary\"\n",
        "The school's first policy",
        "dsl",
        &now,
        None,
    )
    .expect("valid");
    let id = store.add_policy_proposal(&proposal).await.expect("propose");
    assert_eq!(
        store
            .approve_policy(id, "dsl", &now)
            .await
            .expect("approve"),
        Ok(schoolgate_hub::store::ApproveOutcome::Published(1))
    );
    store
        .set_policy_leader("governor", true, "dsl", &now)
        .await
        .expect("leader");
    store.policy_bundle_key().await.expect("key");
    // staffdev: a pairing code, used to connect a staff device.
    let code = schoolgate_hub::store::NewPairingCode {
        code_hash: schoolgate_hub::staff_devices::code_hash("ABCDEFGH"),
        username: "dsl".into(),
        created_at: now.clone(),
        expires_at: later.clone(),
    };
    store.add_pairing_code(&code).await.expect("code");
    let device = schoolgate_hub::store::NewStaffDevice {
        id: "sd-backup00001".into(),
        token_hash: accounts::token_hash("a-staff-device-token"),
        label: "Staff Chromebook".into(),
        created_at: now.clone(),
        expires_at: later.clone(),
    };
    assert!(store
        .pair_staff_device(&code.code_hash, &device)
        .await
        .expect("pair")
        .is_some());
    secret
}

/// A backup holds every table of the live schema with every row (found from the database
/// catalogue, so no table can be forgotten), and `restore --from` brings back a working hub on
/// an empty database of the same kind: sign-in works, the reports are the same, the audit
/// chain verifies.
async fn backup_holds_every_table_and_restores(db: TestDb) {
    let secret = fill_every_table(&db).await;
    let live = table_counts(&db.location()).await;
    // Every table has rows, so "the same count" proves each one is copied. A table added by a
    // later migration fails here until `fill_every_table` puts a row in it.
    let empty: Vec<&String> = live
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(t, _)| t)
        .collect();
    assert!(
        empty.is_empty(),
        "fill these tables in fill_every_table: {empty:?}"
    );

    let file = db.dir.path().join("hub-backup.sqlite3");
    run_ok(&db, &["backup", "--to", file.to_str().expect("utf-8")]);
    let backup = table_counts(&DatabaseLocation::Sqlite(file.clone())).await;
    for (table, rows) in &live {
        assert_eq!(
            backup.get(table),
            Some(rows),
            "{table} in the backup: {backup:?}"
        );
    }

    // Restored into a new, empty database of the same kind.
    let restored = match db.backend() {
        "postgres" => TestDb::postgres().await.expect("PostgreSQL"),
        _ => TestDb::sqlite(),
    };
    let printed = run_ok(
        &restored,
        &["restore", "--from", file.to_str().expect("utf-8")],
    );
    assert!(printed.starts_with("restored "), "{printed}");
    assert_eq!(table_counts(&restored.location()).await, live);
    assert!(run_ok(&restored, &["audit", "verify"]).starts_with("audit log intact"));
    let export = |db: &TestDb| {
        let mut doc: serde_json::Value =
            serde_json::from_str(&run_ok(db, &["reports", "export", "--json"])).expect("JSON");
        doc["exportedAt"] = serde_json::Value::Null;
        doc
    };
    let before = export(&db);
    assert_eq!(before["revisions"].as_array().map(Vec::len), Some(6));
    assert!(
        export(&restored) == before,
        "every report and revision, as received"
    );
    let hub = HubProcess::start(&restored);
    let auth = forms::open_form(hub.addr, "/login", None).await;
    let code = accounts::totp_code(&secret, accounts::unix_now()).expect("code");
    let signed = forms::post(
        hub.addr,
        "/login",
        &auth,
        &[("username", "dsl"), ("password", PASSWORD), ("code", &code)],
    )
    .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let session = forms::set_cookie(&signed, accounts::SESSION_COOKIE).expect("session");
    let inbox = http::get_with(hub.addr, "/inbox", &[("Cookie", &session)]).await;
    assert_eq!(inbox.status, 200);
    assert!(
        inbox.body.contains(&report_id(0)),
        "the reports are in the inbox"
    );
    let reader = restored.open().await;
    assert_eq!(
        reader.account("reader").await.expect("read"),
        None,
        "a disabled account stays disabled"
    );
    // New rows still get numbers of their own after the copied ones (PostgreSQL's identities).
    let body = crate::events::batch_body(
        "b-restored-0001",
        "d-backup-0001",
        None,
        vec![crate::events::heartbeat(
            "e-restored-0001",
            "2026-12-07T10:00:00.000Z",
            "active",
        )],
    );
    let sent = crate::events::send(hub.addr, TEST_KEY, "b-restored-0001", &body).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    drop(hub);

    // Only into an empty database: nothing is overwritten or mixed.
    let again = hub_command(
        &restored,
        &["restore", "--from", file.to_str().expect("utf-8")],
    );
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds data"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(!db.dir.path().join("hub-backup.sqlite3.restoring").exists());
}
