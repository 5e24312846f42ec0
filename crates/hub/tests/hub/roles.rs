//! Roles and accounts (hubauth), on both back ends: a DSL invites people with a role through a
//! one-time link, changes roles, disables accounts and makes reset links; each role gets 403 on
//! what it must not see; every change is in the audit chain.

use schoolgate_hub::accounts;
use schoolgate_hub::audit;
use schoolgate_hub::store::{AccountAdmin, AccountLink, LinkPurpose, Store};

use crate::on_both_backends;
use crate::support::{forms, http, post_report, report_id, InProcessHub, TestDb, TEST_KEY};
use crate::web::{dsl_session, sign_in, PASSWORD};

on_both_backends!(
    each_role_gets_403_on_what_it_must_not_see,
    the_dsl_manages_accounts_and_every_change_is_audited,
);

/// (path, status) pairs for one role.
type Expectations<'p> = [(&'p str, u16); 8];

pub(crate) const NEW_PASSWORD: &str = "another long pass phrase";

/// The DSL invites `username` as `role` through the accounts page; the link's path.
pub(crate) async fn invite(hub: &InProcessHub, dsl: &str, username: &str, role: &str) -> String {
    let auth = forms::open_form(hub.addr, "/accounts", Some(dsl)).await;
    let reply = forms::post(
        hub.addr,
        "/accounts/invite",
        &auth,
        &[("username", username), ("role", role)],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    link_on(&reply.body)
}

fn link_on(page: &str) -> String {
    let at = page
        .find("/join/")
        .unwrap_or_else(|| panic!("no link: {page}"));
    page[at..].split('<').next().expect("link").to_owned()
}

/// Opens a one-time link and sets `password` and a new authenticator; the TOTP secret.
pub(crate) async fn join(hub: &InProcessHub, link: &str, password: &str) -> (u16, String) {
    let page = http::get(hub.addr, link).await;
    if page.status != 200 {
        return (page.status, String::new());
    }
    let start = page
        .body
        .find("name=\"totp_secret\" value=\"")
        .expect("secret")
        + 26;
    let secret = page.body[start..]
        .split('"')
        .next()
        .expect("value")
        .to_owned();
    let auth = forms::FormAuth {
        cookie: forms::set_cookie(&page, "sg_csrf").expect("CSRF cookie"),
        csrf: forms::csrf_in(&page.body),
    };
    let code = accounts::totp_code(&secret, accounts::unix_now()).expect("code");
    let reply = forms::post(
        hub.addr,
        link,
        &auth,
        &[
            ("password", password),
            ("password_again", password),
            ("totp_secret", &secret),
            ("code", &code),
        ],
    )
    .await;
    (reply.status, secret)
}

/// Signs in with a code from the next time step (the set-up used this one).
pub(crate) async fn session(
    hub: &InProcessHub,
    username: &str,
    password: &str,
    secret: &str,
) -> String {
    let code = accounts::totp_code(secret, accounts::unix_now() + 30).expect("code");
    let reply = sign_in(hub, username, password, &code).await;
    assert_eq!(reply.status, 303, "{username}: {}", reply.body);
    forms::set_cookie(&reply, accounts::SESSION_COOKIE).expect("session cookie")
}

/// `username` invited as `role` by the DSL, joined with [`NEW_PASSWORD`] and signed in: the
/// session cookie.
pub(crate) async fn invited_session(
    hub: &InProcessHub,
    dsl: &str,
    username: &str,
    role: &str,
) -> String {
    let link = invite(hub, dsl, username, role).await;
    let (made, secret) = join(hub, &link, NEW_PASSWORD).await;
    assert_eq!(made, 303, "{username} joined");
    session(hub, username, NEW_PASSWORD, &secret).await
}

/// Assigns `report` to `username` as the holder of `cookie`, through the report's case form
/// (the CSRF token taken from the holder's start page).
async fn assign(hub: &InProcessHub, cookie: &str, report: &str, username: &str) -> u16 {
    let home = http::get_with(hub.addr, "/", &[("Cookie", cookie)]).await;
    let home = home.header("location").expect("a start page").to_owned();
    let auth = forms::open_form(hub.addr, &home, Some(cookie)).await;
    forms::post(
        hub.addr,
        &format!("/reports/{report}/case"),
        &auth,
        &[("kind", "assign"), ("detail", username)],
    )
    .await
    .status
}

pub(crate) async fn status(hub: &InProcessHub, path: &str, cookie: &str) -> u16 {
    http::get_with(hub.addr, path, &[("Cookie", cookie)])
        .await
        .status
}

async fn each_role_gets_403_on_what_it_must_not_see(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let (mine, other) = (report_id(1), report_id(2));
    for id in [&mine, &other] {
        assert_eq!(post_report(hub.addr, TEST_KEY, id, 1).await.status, 201);
    }
    let mut cookies = Vec::new();
    for (name, role) in [
        ("deputy", "deputy-dsl"),
        ("reader", "safeguarding-reader"),
        ("itlead", "it-lead"),
        ("governor", "governor"),
    ] {
        let link = invite(&hub, &dsl, name, role).await;
        let (made, secret) = join(&hub, &link, NEW_PASSWORD).await;
        assert_eq!(made, 303, "{name}");
        cookies.push(session(&hub, name, NEW_PASSWORD, &secret).await);
    }
    let [deputy, reader, itlead, governor] = <[String; 4]>::try_from(cookies).expect("four");
    // The DSL assigns through the report's case form: the chronology's `assign` entry is the
    // one record of who a report is assigned to.
    assert_eq!(assign(&hub, &dsl, &mine, "reader").await, 303);

    let mine_page = format!("/reports/{mine}");
    let other_page = format!("/reports/{other}");
    let table: [(&str, &str, Expectations); 5] = [
        (
            "dsl",
            &dsl,
            [
                ("/inbox", 200),
                (&mine_page, 200),
                (&other_page, 200),
                ("/accounts", 200),
                ("/keys", 200),
                ("/figures", 200),
                ("/join/x", 404),
                ("/hub.css", 200),
            ],
        ),
        (
            "deputy",
            &deputy,
            [
                ("/inbox", 200),
                (&mine_page, 200),
                (&other_page, 200),
                ("/accounts", 403),
                ("/keys", 403),
                ("/figures", 200),
                ("/join/x", 404),
                ("/hub.css", 200),
            ],
        ),
        (
            "reader",
            &reader,
            [
                ("/inbox", 200),
                (&mine_page, 200),
                (&other_page, 403),
                ("/accounts", 403),
                ("/keys", 403),
                ("/figures", 403),
                ("/reports/r-nosuchreport-1", 403),
                ("/hub.css", 200),
            ],
        ),
        (
            "itlead",
            &itlead,
            [
                ("/inbox", 403),
                (&mine_page, 403),
                (&other_page, 403),
                ("/accounts", 403),
                ("/keys", 200),
                ("/figures", 403),
                ("/reports/r-nosuchreport-1", 403),
                ("/hub.css", 200),
            ],
        ),
        (
            "governor",
            &governor,
            [
                ("/inbox", 403),
                (&mine_page, 403),
                (&other_page, 403),
                ("/accounts", 403),
                ("/keys", 403),
                ("/figures", 200),
                ("/reports/r-nosuchreport-1", 403),
                ("/hub.css", 200),
            ],
        ),
    ];
    for (who, cookie, expectations) in table {
        for (path, expected) in expectations {
            assert_eq!(status(&hub, path, cookie).await, expected, "{who} {path}");
        }
    }
    // Sign-in settings (OpenID Connect) are the IT lead's and the DSL's only.
    for (who, cookie, expected) in [
        ("dsl", &dsl, 200),
        ("itlead", &itlead, 200),
        ("deputy", &deputy, 403),
        ("reader", &reader, 403),
        ("governor", &governor, 403),
    ] {
        assert_eq!(
            status(&hub, "/sign-in-settings", cookie).await,
            expected,
            "{who}"
        );
    }
    // A reader's inbox lists only their report; the governors' figures name no report.
    let inbox = http::get_with(hub.addr, "/inbox", &[("Cookie", &reader)]).await;
    assert!(inbox.body.contains(&mine) && !inbox.body.contains(&other));
    let figures = http::get_with(hub.addr, "/figures", &[("Cookie", &governor)]).await;
    assert!(!figures.body.contains(&mine) && !figures.body.contains("example.org"));
    assert!(figures.body.contains("Total"));
    // Each role lands on its own start page.
    for (cookie, home) in [
        (&dsl, "/inbox"),
        (&itlead, "/keys"),
        (&governor, "/figures"),
    ] {
        let reply = http::get_with(hub.addr, "/", &[("Cookie", cookie)]).await;
        assert_eq!(reply.header("location"), Some(home));
    }
    // Exports and the audit log follow the same check: a reader's exports hold only their
    // report; subject access and the audit log are not theirs; IT lead and governor get none.
    let csv = http::get_with(hub.addr, "/exports/reports.csv", &[("Cookie", &reader)]).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains(&mine) && !csv.body.contains(&other));
    let json = http::get_with(hub.addr, "/exports/reports.json", &[("Cookie", &deputy)]).await;
    assert!(json.body.contains(&mine) && json.body.contains(&other));
    for (who, cookie, path, expected) in [
        ("reader", &reader, format!("/reports/{mine}/print"), 200),
        ("reader", &reader, format!("/reports/{other}/print"), 403),
        (
            "reader",
            &reader,
            format!("/reports/{other}/export.json"),
            403,
        ),
        ("reader", &reader, "/exports/pupil".to_owned(), 403),
        ("reader", &reader, "/audit".to_owned(), 403),
        ("reader", &reader, "/audit/export.csv".to_owned(), 403),
        ("deputy", &deputy, "/exports/pupil".to_owned(), 200),
        ("itlead", &itlead, "/exports/reports.csv".to_owned(), 403),
        (
            "itlead",
            &itlead,
            format!("/reports/{mine}/export.json"),
            403,
        ),
        ("itlead", &itlead, "/audit".to_owned(), 403),
        (
            "governor",
            &governor,
            "/exports/reports.json".to_owned(),
            403,
        ),
        ("governor", &governor, format!("/reports/{mine}/print"), 403),
        ("governor", &governor, "/audit/export.json".to_owned(), 403),
    ] {
        assert_eq!(status(&hub, &path, cookie).await, expected, "{who} {path}");
    }
    // A reader works on their own case but cannot assign, nor touch another's.
    let auth = forms::open_form(hub.addr, "/inbox", Some(&reader)).await;
    let note = |report: String| {
        let auth = auth.clone();
        let addr = hub.addr;
        async move {
            forms::post(
                addr,
                &format!("/reports/{report}/case"),
                &auth,
                &[("kind", "note"), ("detail", "spoke to the class teacher")],
            )
            .await
            .status
        }
    };
    assert_eq!(note(mine.clone()).await, 303);
    assert_eq!(note(other.clone()).await, 403);
    assert_eq!(assign(&hub, &reader, &other, "reader").await, 403);
    assert_eq!(assign(&hub, &reader, &mine, "deputy").await, 403);
    assert_eq!(assign(&hub, &itlead, &mine, "itlead").await, 403);
    // Assigned to someone else, the report is no longer the reader's.
    assert_eq!(assign(&hub, &deputy, &mine, "deputy").await, 303);
    assert_eq!(status(&hub, &mine_page, &reader).await, 403);
    let inbox = http::get_with(hub.addr, "/inbox", &[("Cookie", &reader)]).await;
    assert!(!inbox.body.contains(&mine));

    // Refused pages wrote no view to the audit log.
    let log = hub.store.audit_log().await.expect("audit");
    assert!(!log
        .iter()
        .any(|e| ["itlead", "governor"].contains(&e.actor.as_str())
            && e.action.starts_with("viewed")));
    assert!(!log
        .iter()
        .any(|e| e.actor == "reader" && e.action == "viewed-report" && e.subject == other));
    hub.stop().await;
}

async fn the_dsl_manages_accounts_and_every_change_is_audited(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let link = invite(&hub, &dsl, "sam", "safeguarding-reader").await;
    let (made, secret) = join(&hub, &link, NEW_PASSWORD).await;
    assert_eq!(made, 303);
    assert_eq!(
        join(&hub, &link, NEW_PASSWORD).await.0,
        404,
        "a link works once"
    );
    let sam = session(&hub, "sam", NEW_PASSWORD, &secret).await;
    assert_eq!(status(&hub, "/reports/r-nosuchreport-1", &sam).await, 403);

    // An invitation for an existing name is refused; a non-DSL cannot invite at all.
    let auth = forms::open_form(hub.addr, "/accounts", Some(&dsl)).await;
    let again = forms::post(
        hub.addr,
        "/accounts/invite",
        &auth,
        &[("username", "sam"), ("role", "dsl")],
    )
    .await;
    assert_eq!(again.status, 400);
    let sam_auth = forms::open_form(hub.addr, "/inbox", Some(&sam)).await;
    let by_sam = forms::post(
        hub.addr,
        "/accounts/invite",
        &sam_auth,
        &[("username", "eve"), ("role", "dsl")],
    )
    .await;
    assert_eq!(by_sam.status, 403);
    let by_sam = forms::post(
        hub.addr,
        "/accounts/sam/role",
        &sam_auth,
        &[("role", "dsl")],
    )
    .await;
    assert_eq!(by_sam.status, 403, "no one raises their own role");
    // The DSL's own role cannot be changed by themselves (the hub keeps a DSL).
    let own = forms::post(
        hub.addr,
        "/accounts/dsl/role",
        &auth,
        &[("role", "governor")],
    )
    .await;
    assert_eq!(own.status, 400);

    // A role change takes effect on the next request.
    let changed = forms::post(
        hub.addr,
        "/accounts/sam/role",
        &auth,
        &[("role", "deputy-dsl")],
    )
    .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(
        status(&hub, "/reports/r-nosuchreport-1", &sam).await,
        404,
        "deputy: every report"
    );

    // A reset link: new password and authenticator; the old ones and the sessions stop working.
    let reset = forms::post(hub.addr, "/accounts/sam/reset", &auth, &[]).await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    let (made, new_secret) = join(&hub, &link_on(&reset.body), PASSWORD).await;
    assert_eq!(made, 303);
    assert_eq!(
        status(&hub, "/inbox", &sam).await,
        303,
        "sessions ended by the reset"
    );
    let old_code = accounts::totp_code(&secret, accounts::unix_now() + 30).expect("code");
    assert_eq!(
        sign_in(&hub, "sam", NEW_PASSWORD, &old_code).await.status,
        401
    );
    let sam = session(&hub, "sam", PASSWORD, &new_secret).await;

    // Disabled: the session ends and sign-in is refused.
    let disabled = forms::post(hub.addr, "/accounts/sam/disable", &auth, &[]).await;
    assert_eq!(disabled.status, 303);
    assert_eq!(status(&hub, "/inbox", &sam).await, 303);
    let code = accounts::totp_code(&new_secret, accounts::unix_now() + 30).expect("code");
    assert_eq!(sign_in(&hub, "sam", PASSWORD, &code).await.status, 401);
    let list = hub.store.account_list().await.expect("list");
    assert!(list
        .iter()
        .any(|a| a.username == "sam" && a.disabled_at.is_some()));

    // An expired link does nothing.
    let token = accounts::new_token();
    let past = (chrono::Utc::now() - chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert!(hub
        .store
        .create_account_link(&AccountLink {
            token_hash: accounts::token_hash(&token),
            purpose: LinkPurpose::Invite,
            username: "late".into(),
            role: "governor".into(),
            created_by: "dsl".into(),
            created_at: past.clone(),
            expires_at: past,
        })
        .await
        .expect("link"));
    assert_eq!(join(&hub, &format!("/join/{token}"), PASSWORD).await.0, 404);

    let log = hub.store.audit_log().await.expect("audit");
    let said: Vec<(&str, &str, &str)> = log
        .iter()
        .filter(|e| !e.action.starts_with("viewed") && e.action != "signed-in")
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.subject.as_str()))
        .collect();
    assert_eq!(
        said,
        [
            ("dsl", "created-account", "dsl"),
            ("dsl", "invited-account", "sam as safeguarding-reader"),
            ("sam", "created-account", "sam as safeguarding-reader"),
            (
                "dsl",
                "changed-role",
                "sam: safeguarding-reader to deputy-dsl"
            ),
            ("dsl", "made-reset-link", "sam"),
            ("sam", "reset-account", "sam"),
            ("dsl", "disabled-account", "sam"),
            ("dsl", "invited-account", "late as governor"),
        ]
    );
    assert_eq!(audit::verify(&log), Ok(()));
    hub.stop().await;
}
