//! Security for every page (hubauth), on both back ends: the headers, CSRF on every
//! state-changing form (a cross-site POST without the token is refused and changes nothing),
//! cookies, sign-in rate limits and the deletion of expired sessions.

use schoolgate_hub::accounts;
use schoolgate_hub::config::{Limits, PublicScheme};
use schoolgate_hub::store::Store;

use crate::on_both_backends;
use crate::support::{forms, http, post_report, report_id, InProcessHub, TestDb, TEST_KEY};
use crate::web::{code_now, dsl_session, PASSWORD};

on_both_backends!(
    every_response_carries_the_security_headers,
    hsts_and_secure_cookies_follow_the_public_url,
    a_form_without_the_right_token_is_refused,
    repeated_wrong_sign_ins_lock_the_account_and_the_address,
    expired_sessions_are_refused_and_deleted,
);

async fn every_response_carries_the_security_headers(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (cookie, _) = dsl_session(&hub).await;
    // hubinbox's pages too: a real report's page with its case forms, its print and export, the
    // audit log, the subject-access form, the school-wide list.
    let id = report_id(1);
    assert_eq!(post_report(hub.addr, TEST_KEY, &id, 1).await.status, 201);
    let (report_page, print, export) = (
        format!("/reports/{id}"),
        format!("/reports/{id}/print"),
        format!("/reports/{id}/export.json"),
    );
    for (path, cookie) in [
        (report_page.as_str(), Some(cookie.as_str())),
        (print.as_str(), Some(cookie.as_str())),
        (export.as_str(), Some(cookie.as_str())),
        ("/audit", Some(cookie.as_str())),
        ("/audit/export.csv", Some(cookie.as_str())),
        ("/exports/reports.csv", Some(cookie.as_str())),
        ("/exports/pupil", Some(cookie.as_str())),
        ("/accounts", Some(cookie.as_str())),
        ("/api/v1/lists/school-blocks.txt", None),
        ("/login", None),
        ("/inbox", Some(cookie.as_str())),
        ("/inbox", None),
        ("/hub.css", None),
        ("/no-such-page", None),
        ("/reports/r-nosuchreport-1", Some(cookie.as_str())),
    ] {
        let headers: Vec<(&str, &str)> = cookie.map(|c| vec![("Cookie", c)]).unwrap_or_default();
        let reply = http::get_with(hub.addr, path, &headers).await;
        let csp = reply.header("content-security-policy").unwrap_or_default();
        for part in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("script-src"),
            "{path}: no script and no inline anything: {csp}"
        );
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            reply.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        assert_eq!(
            reply.header("strict-transport-security"),
            None,
            "{path}: plain HTTP"
        );
        assert!(
            !reply.body.contains("<script")
                && !reply.body.contains("<style")
                && !reply.body.contains("style="),
            "{path}: nothing inline for the CSP to forbid"
        );
        assert_eq!(
            reply.body.matches("method=\"post\"").count(),
            reply.body.matches("name=\"csrf\"").count(),
            "{path}: every form that changes something carries the CSRF token"
        );
    }
    let css = http::get(hub.addr, "/hub.css").await;
    assert_eq!(css.status, 200);
    assert!(css
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/css")));
    // Behind a TLS proxy that says so, HSTS is sent.
    let proxied = http::get_with(hub.addr, "/login", &[("X-Forwarded-Proto", "https")]).await;
    assert_eq!(
        proxied.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    hub.stop().await;
}

async fn hsts_and_secure_cookies_follow_the_public_url(db: TestDb) {
    let https = InProcessHub::start_with(
        &db,
        Limits {
            public_scheme: PublicScheme::Https,
            ..Limits::default()
        },
    )
    .await;
    let page = http::get(https.addr, "/login").await;
    assert_eq!(
        page.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    let cookie = page.header("set-cookie").expect("the CSRF cookie");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    https.stop().await;

    // Told it is reached over plain HTTP (a test network): no `Secure`, no HSTS.
    let plain = InProcessHub::start_with(
        &db,
        Limits {
            public_scheme: PublicScheme::Http,
            ..Limits::default()
        },
    )
    .await;
    let page = http::get(plain.addr, "/login").await;
    assert_eq!(page.header("strict-transport-security"), None);
    let cookie = page.header("set-cookie").expect("the CSRF cookie");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && !cookie.contains("Secure"),
        "{cookie}"
    );
    plain.stop().await;
}

async fn a_form_without_the_right_token_is_refused(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (cookie, secret) = dsl_session(&hub).await;
    let still_signed_in = || async {
        http::get_with(hub.addr, "/inbox", &[("Cookie", &cookie)])
            .await
            .status
            == 200
    };
    let auth = forms::open_form(hub.addr, "/inbox", Some(&cookie)).await;

    // A cross-site form: the browser sends the cookie (say SameSite failed) but the other site
    // cannot know the token.
    let no_token = http::post_form(hub.addr, "/logout", &[], &[("Cookie", &cookie)]).await;
    assert_eq!(no_token.status, 403, "{}", no_token.body);
    let wrong = http::post_form(
        hub.addr,
        "/logout",
        &[("csrf", &"0".repeat(64))],
        &[("Cookie", &cookie)],
    )
    .await;
    assert_eq!(wrong.status, 403);
    // The token is bound to the session: the sign-in page's token does not open this one.
    let anonymous = forms::open_form(hub.addr, "/login", None).await;
    assert_ne!(anonymous.csrf, auth.csrf);
    let other = http::post_form(
        hub.addr,
        "/logout",
        &[("csrf", &anonymous.csrf)],
        &[("Cookie", &format!("{cookie}; {}", anonymous.cookie))],
    )
    .await;
    assert_eq!(other.status, 403);
    // The right token from another site's page (Origin says so) is refused too.
    let cross = http::post_form(
        hub.addr,
        "/logout",
        &[("csrf", &auth.csrf)],
        &[("Cookie", &cookie), ("Origin", "https://evil.example")],
    )
    .await;
    assert_eq!(cross.status, 403);
    assert!(
        still_signed_in().await,
        "nothing a refused form asked for was done"
    );

    // Sign-in is a form too (login CSRF): without the cookie-bound token, nothing happens even
    // with the right password and code.
    let code = accounts::totp_code(&secret, accounts::unix_now() + 30).expect("code");
    let fields = [
        ("username", "dsl"),
        ("password", PASSWORD),
        ("code", code.as_str()),
    ];
    assert_eq!(
        http::post_form(hub.addr, "/login", &fields, &[])
            .await
            .status,
        403
    );
    let mut with_token = fields.to_vec();
    with_token.push(("csrf", anonymous.csrf.as_str()));
    assert_eq!(
        http::post_form(hub.addr, "/login", &with_token, &[])
            .await
            .status,
        403,
        "the token without its cookie"
    );
    let signed_ins = hub
        .store
        .audit_log()
        .await
        .expect("audit")
        .iter()
        .filter(|e| e.action == "signed-in")
        .count();
    assert_eq!(signed_ins, 1, "only dsl_session's sign-in");

    // The real form works.
    assert_eq!(
        forms::post(hub.addr, "/logout", &auth, &[]).await.status,
        303
    );
    assert!(!still_signed_in().await);
    hub.stop().await;
}

async fn try_sign_in(
    hub: &InProcessHub,
    from: &str,
    username: &str,
    password: &str,
    code: &str,
) -> http::Reply {
    let auth = forms::open_form(hub.addr, "/login", None).await;
    let fields = [
        ("username", username),
        ("password", password),
        ("code", code),
        ("csrf", auth.csrf.as_str()),
    ];
    http::post_form(
        hub.addr,
        "/login",
        &fields,
        &[("Cookie", auth.cookie.as_str()), ("X-Forwarded-For", from)],
    )
    .await
}

async fn repeated_wrong_sign_ins_lock_the_account_and_the_address(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (_, secret) = dsl_session(&hub).await;
    let code = code_now(&secret);
    for _ in 0..5 {
        assert_eq!(
            try_sign_in(&hub, "192.0.2.1", "dsl", "not the password", &code)
                .await
                .status,
            401
        );
    }
    // Locked: even the right password and a fresh code are refused, from any address.
    let fresh = accounts::totp_code(&secret, accounts::unix_now() + 30).expect("code");
    let locked = try_sign_in(&hub, "192.0.2.2", "DSL", PASSWORD, &fresh).await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    let wait: u64 = locked
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(locked.body.contains("Too many wrong tries"));
    let account = hub.store.account("dsl").await.expect("read").expect("dsl");
    assert!(
        account.totp_last_step < fresh_step(),
        "the locked-out try did not use the code"
    );

    // An address that guesses many names is locked as a whole; other addresses are not.
    for n in 0..20 {
        let name = format!("guess{n}");
        assert_eq!(
            try_sign_in(&hub, "198.51.100.7", &name, "not the password", "000000")
                .await
                .status,
            401
        );
    }
    assert_eq!(
        try_sign_in(
            &hub,
            "198.51.100.7",
            "someone",
            "not the password",
            "000000"
        )
        .await
        .status,
        429
    );
    assert_eq!(
        try_sign_in(
            &hub,
            "198.51.100.8",
            "someone",
            "not the password",
            "000000"
        )
        .await
        .status,
        401
    );
    hub.stop().await;
}

fn fresh_step() -> i64 {
    (accounts::unix_now() / accounts::TOTP_STEP_SECS) as i64 + 1
}

async fn expired_sessions_are_refused_and_deleted(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (live, _) = dsl_session(&hub).await;
    let token = accounts::new_token();
    let an_hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert!(hub
        .store
        .sign_in(
            "dsl",
            fresh_step() + 10,
            &accounts::token_hash(&token),
            &an_hour_ago
        )
        .await
        .expect("sign in"));
    let expired = format!("{}={token}", accounts::SESSION_COOKIE);
    assert_eq!(
        http::get_with(hub.addr, "/inbox", &[("Cookie", &expired)])
            .await
            .header("location"),
        Some("/login")
    );
    assert_eq!(
        hub.store
            .delete_expired_sessions(&schoolgate_hub::now())
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(
        hub.store
            .delete_expired_sessions(&schoolgate_hub::now())
            .await
            .expect("sweep"),
        0,
        "gone"
    );
    assert_eq!(
        http::get_with(hub.addr, "/inbox", &[("Cookie", &live)])
            .await
            .status,
        200,
        "a live session stays"
    );
    hub.stop().await;
}
