//! The web interface, on both back ends: the one-time first-run link makes exactly one DSL
//! account (Argon2id password, TOTP), sign-in needs the password and a fresh code, and every
//! view of the inbox or of a report is in the hash-chained, append-only audit log.

use schoolgate_hub::accounts::{self, Account};
use schoolgate_hub::audit;
use schoolgate_hub::config::DatabaseLocation;
use schoolgate_hub::store::{AnyStore, Store};
use sqlx::Connection;

use crate::on_both_backends;
use crate::support::{
    forms, http, post_signed, report_body, report_id, HubProcess, InProcessHub, TestDb, TEST_KEY,
};

on_both_backends!(
    first_run_link_makes_one_dsl_account,
    sign_in_needs_the_password_and_a_fresh_code,
    every_view_is_in_the_audit_chain,
    serve_prints_a_first_run_link_until_an_account_exists,
);

pub(crate) const PASSWORD: &str = "a long pass phrase";

fn hidden_secret(page: &str) -> String {
    let start = page
        .find("name=\"totp_secret\" value=\"")
        .expect("the TOTP secret on the page")
        + 26;
    page[start..].split('"').next().expect("value").to_owned()
}

pub(crate) fn code_now(secret: &str) -> String {
    accounts::totp_code(secret, accounts::unix_now()).expect("code")
}

async fn new_setup_link(store: &AnyStore) -> String {
    let token = accounts::new_token();
    store
        .replace_setup_token(&accounts::token_hash(&token), &schoolgate_hub::now())
        .await
        .expect("token");
    format!("/setup/{token}")
}

async fn first_run_link_makes_one_dsl_account(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let link = new_setup_link(&hub.store).await;
    assert_eq!(http::get(hub.addr, "/setup/0000").await.status, 404);
    let page = http::get(hub.addr, &link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page
        .header("content-security-policy")
        .is_some_and(|csp| csp.contains("default-src 'none'")));
    let secret = hidden_secret(&page.body);
    let cookie = forms::set_cookie(&page, "sg_csrf").expect("a CSRF cookie");
    let csrf = forms::csrf_in(&page.body);

    let form = |password: &'static str, code: String| {
        vec![
            ("username", "dsl".to_owned()),
            ("password", password.to_owned()),
            ("password_again", password.to_owned()),
            ("totp_secret", secret.clone()),
            ("code", code),
            ("csrf", csrf.clone()),
        ]
    };
    let submit = |fields: Vec<(&'static str, String)>, origin: Option<&'static str>| {
        let link = link.clone();
        let cookie = cookie.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let mut headers: Vec<(&str, &str)> = vec![("Cookie", cookie.as_str())];
            headers.extend(origin.map(|o| ("Origin", o)));
            http::post_form(hub.addr, &link, &fields, &headers).await
        }
    };
    let wrong_code = format!(
        "{:06}",
        (code_now(&secret).parse::<u32>().expect("digits") + 1) % 1_000_000
    );
    assert_eq!(
        submit(form(PASSWORD, wrong_code), None).await.status,
        400,
        "a wrong code"
    );
    assert_eq!(
        submit(form("short", code_now(&secret)), None).await.status,
        400,
        "a short password"
    );
    assert_eq!(
        submit(
            form(PASSWORD, code_now(&secret)),
            Some("http://evil.example")
        )
        .await
        .status,
        403,
        "another site"
    );
    // What Chromium sends: `Sec-Fetch-Site` decides (its `Origin` is `null` under the pages'
    // no-referrer policy); another site or a missing origin with no such header is refused, even
    // with the right CSRF cookie and token.
    for (mut headers, status) in [
        (
            vec![("Sec-Fetch-Site", "cross-site"), ("Origin", "null")],
            403,
        ),
        (vec![("Sec-Fetch-Site", "same-site")], 403),
        (vec![("Origin", "null")], 403),
    ] {
        headers.push(("Cookie", cookie.as_str()));
        let fields = form(PASSWORD, code_now(&secret));
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            http::post_form(hub.addr, &link, &fields, &headers)
                .await
                .status,
            status,
            "{headers:?}"
        );
    }
    assert!(
        !hub.store.has_accounts().await.expect("accounts"),
        "nothing made by a refused form"
    );

    let fields = form(PASSWORD, code_now(&secret));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made = http::post_form(
        hub.addr,
        &link,
        &fields,
        &[
            ("Sec-Fetch-Site", "same-origin"),
            ("Origin", "null"),
            ("Cookie", cookie.as_str()),
        ],
    )
    .await;
    assert_eq!(
        (made.status, made.header("location")),
        (303, Some("/login")),
        "{}",
        made.body
    );
    let account = hub
        .store
        .account("dsl")
        .await
        .expect("read")
        .expect("the account");
    assert_eq!(account.role, "dsl");
    assert!(
        account.password_hash.starts_with("$argon2id$")
            && !account.password_hash.contains(PASSWORD)
    );
    // The link is used up.
    assert_eq!(http::get(hub.addr, &link).await.status, 404);
    assert_eq!(
        submit(form(PASSWORD, code_now(&secret)), None).await.status,
        404
    );
    // A new link cannot make a second first account either.
    let again = new_setup_link(&hub.store).await;
    assert_eq!(http::get(hub.addr, &again).await.status, 404);
    let log = hub.store.audit_log().await.expect("audit");
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["created-account"]
    );
    hub.stop().await;
}

/// Makes the DSL account directly (as the first-run page does) and signs in; the cookie, and
/// the code it signed in with.
pub(crate) async fn dsl_session(hub: &InProcessHub) -> (String, String) {
    let secret = dsl_account(&hub.store).await;
    let code = code_now(&secret);
    let reply = sign_in(hub, "dsl", PASSWORD, &code).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let cookie = reply
        .header("set-cookie")
        .expect("a session cookie")
        .to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    (
        cookie.split(';').next().expect("name=value").to_owned(),
        secret,
    )
}

/// The DSL's account (`dsl`, `PASSWORD`), made as the first-run page makes it; its TOTP secret.
pub(crate) async fn dsl_account(store: &AnyStore) -> String {
    let secret = accounts::new_totp_secret();
    let token = accounts::new_token();
    store
        .replace_setup_token(&accounts::token_hash(&token), &schoolgate_hub::now())
        .await
        .expect("token");
    let account = Account {
        username: "dsl".into(),
        role: accounts::ROLE_DSL.into(),
        password_hash: accounts::hash_password(PASSWORD).expect("hash"),
        totp_secret: secret.clone(),
        totp_last_step: 0,
        created_at: schoolgate_hub::now(),
    };
    assert!(store
        .create_first_account(&accounts::token_hash(&token), &account)
        .await
        .expect("create"));
    secret
}

pub(crate) async fn sign_in(
    hub: &InProcessHub,
    username: &str,
    password: &str,
    code: &str,
) -> http::Reply {
    let auth = forms::open_form(hub.addr, "/login", None).await;
    forms::post(
        hub.addr,
        "/login",
        &auth,
        &[
            ("username", username),
            ("password", password),
            ("code", code),
        ],
    )
    .await
}

async fn sign_in_needs_the_password_and_a_fresh_code(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    assert_eq!(
        http::get(hub.addr, "/inbox").await.header("location"),
        Some("/login")
    );
    let (cookie, code) = dsl_session(&hub).await;
    assert_eq!(
        sign_in(&hub, "dsl", "not the password", &code).await.status,
        401
    );
    assert_eq!(sign_in(&hub, "nobody", PASSWORD, &code).await.status, 401);
    assert_eq!(sign_in(&hub, "dsl", PASSWORD, "000000x").await.status, 401);
    // The code that opened the session cannot open another (replay).
    assert_eq!(sign_in(&hub, "dsl", PASSWORD, &code).await.status, 401);

    assert_eq!(
        http::get_with(hub.addr, "/inbox", &[("Cookie", &cookie)])
            .await
            .status,
        200
    );
    let forged = "sg_session=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_eq!(
        http::get_with(hub.addr, "/inbox", &[("Cookie", forged)])
            .await
            .header("location"),
        Some("/login")
    );
    let auth = forms::open_form(hub.addr, "/inbox", Some(&cookie)).await;
    let out = forms::post(hub.addr, "/logout", &auth, &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(
        http::get_with(hub.addr, "/inbox", &[("Cookie", &cookie)])
            .await
            .header("location"),
        Some("/login"),
        "signed out"
    );
    hub.stop().await;
}

pub(crate) async fn raw_sql(location: &DatabaseLocation, sql: &str) -> Result<(), sqlx::Error> {
    match location {
        DatabaseLocation::Sqlite(path) => {
            let mut conn =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
            sqlx::raw_sql(sql).execute(&mut conn).await.map(drop)
        }
        DatabaseLocation::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            sqlx::raw_sql(sql).execute(&mut conn).await.map(drop)
        }
    }
}

async fn every_view_is_in_the_audit_chain(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (cookie, _) = dsl_session(&hub).await;
    let (first, second) = (report_id(1), report_id(2));
    let hostile = report_body(&first, 1).replace("\"Example\"", "\"<script>alert(1)</script>\"");
    assert_eq!(
        post_signed(hub.addr, TEST_KEY, &first, 1, &hostile)
            .await
            .status,
        201
    );
    assert_eq!(
        post_signed(hub.addr, TEST_KEY, &second, 1, &report_body(&second, 1))
            .await
            .status,
        201
    );

    let inbox = http::get_with(hub.addr, "/inbox", &[("Cookie", &cookie)]).await;
    assert_eq!(inbox.status, 200);
    assert!(
        inbox.body.contains(&first) && inbox.body.contains(&second),
        "{}",
        inbox.body
    );
    assert_eq!(inbox.header("cache-control"), Some("no-store"));
    let page = http::get_with(
        hub.addr,
        &format!("/reports/{first}"),
        &[("Cookie", &cookie)],
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
            && !page.body.contains("<script>"),
        "escaped"
    );
    assert_eq!(
        http::get_with(
            hub.addr,
            "/reports/r-nosuchreport-1",
            &[("Cookie", &cookie)]
        )
        .await
        .status,
        404
    );
    assert_eq!(
        http::get(hub.addr, &format!("/reports/{second}"))
            .await
            .header("location"),
        Some("/login")
    );

    let log = hub.store.audit_log().await.expect("audit");
    let said: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.subject.as_str()))
        .collect();
    assert_eq!(
        said,
        [
            ("dsl", "created-account", "dsl"),
            ("dsl", "signed-in", ""),
            ("dsl", "viewed-inbox", ""),
            ("dsl", "viewed-report", first.as_str())
        ]
    );
    assert_eq!(audit::verify(&log), Ok(()));

    // Append-only: the database refuses to change or remove an entry…
    let location = db.location();
    assert!(raw_sql(
        &location,
        "UPDATE audit_log SET actor = 'nobody' WHERE seq = 3"
    )
    .await
    .is_err());
    assert!(raw_sql(&location, "DELETE FROM audit_log WHERE seq = 4")
        .await
        .is_err());
    // …and someone who gets round that (dropping the triggers) is caught by the chain.
    let drop_triggers = match location {
        DatabaseLocation::Sqlite(_) => {
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
        }
        DatabaseLocation::Postgres(_) => "DROP TRIGGER audit_log_no_change ON audit_log;",
    };
    raw_sql(&location, drop_triggers)
        .await
        .expect("drop the triggers");
    raw_sql(&location, "UPDATE audit_log SET subject = '' WHERE seq = 4")
        .await
        .expect("tamper");
    let log = hub.store.audit_log().await.expect("audit");
    assert!(matches!(
        audit::verify(&log),
        Err(audit::AuditError::Broken { seq: 4, .. })
    ));
    hub.stop().await;
}

async fn serve_prints_a_first_run_link_until_an_account_exists(db: TestDb) {
    let link_of = |hub: &HubProcess| {
        let line = hub.next_line().expect("a first-run link");
        let at = line.find("/setup/").unwrap_or_else(|| panic!("{line}"));
        line[at..].to_owned()
    };
    let hub = HubProcess::start(&db);
    let first = link_of(&hub);
    assert_eq!(http::get(hub.addr, &first).await.status, 200);
    drop(hub);
    // Restarted without an account: a new link, and the old one no longer works.
    let hub = HubProcess::start(&db);
    let second = link_of(&hub);
    assert_ne!(first, second);
    assert_eq!(http::get(hub.addr, &first).await.status, 404);
    let page = http::get(hub.addr, &second).await;
    let secret = hidden_secret(&page.body);
    let auth = forms::FormAuth {
        cookie: forms::set_cookie(&page, "sg_csrf").expect("a CSRF cookie"),
        csrf: forms::csrf_in(&page.body),
    };
    let code = code_now(&secret);
    let fields = [
        ("username", "dsl"),
        ("password", PASSWORD),
        ("password_again", PASSWORD),
        ("totp_secret", secret.as_str()),
        ("code", code.as_str()),
    ];
    assert_eq!(
        forms::post(hub.addr, &second, &auth, &fields).await.status,
        303
    );
    drop(hub);
    // With an account, no link is printed at all.
    let hub = HubProcess::start(&db);
    assert_eq!(
        hub.next_line_within(std::time::Duration::from_secs(2)),
        None
    );
}
