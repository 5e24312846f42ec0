//! Sign-in with OpenID Connect (hubauth) against a REAL provider started locally (npm
//! `oidc-provider`, `tests/oidc/provider.mjs`), driven like a browser: redirects followed, a
//! cookie jar per site, the provider's own sign-in and consent forms posted. On both back ends:
//! the right domain/tenant signs in; a wrong `hd`/`tid`, an unknown e-mail, a changed `state` or
//! a changed `nonce` is refused.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use schoolgate_hub::accounts;
use schoolgate_hub::store::{AccountAdmin, AccountLink, AnyStore, LinkPurpose, Store};

use crate::on_both_backends;
use crate::support::{forms, http, repo_root, InProcessHub, TestDb};
use crate::web::dsl_session;

on_both_backends!(sign_in_with_a_real_openid_provider);

pub(crate) const CLIENT_ID: &str = "schoolgate-hub";
pub(crate) const CLIENT_SECRET: &str = "a-client-secret-for-tests-only-0123456789";

pub(crate) struct Provider {
    child: Child,
    addr: SocketAddr,
    pub(crate) issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_provider(redirect_uri: &str) -> Provider {
    let accounts = serde_json::json!({
        "alice": { "email": "alice@oakhill.example", "email_verified": true, "hd": "oakhill.example", "tid": "tenant-1111" },
        "mallory": { "email": "mallory@oakhill.example", "email_verified": true, "hd": "elsewhere.example", "tid": "tenant-9999" },
        "stranger": { "email": "stranger@oakhill.example", "email_verified": true, "hd": "oakhill.example", "tid": "tenant-1111" },
    });
    let mut child = Command::new("node")
        .arg(repo_root().join("crates/hub/tests/oidc/provider.mjs"))
        .current_dir(repo_root())
        .env("OIDC_REDIRECT_URI", redirect_uri)
        .env("OIDC_CLIENT_ID", CLIENT_ID)
        .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
        .env("OIDC_ACCOUNTS", accounts.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs tests/oidc/provider.mjs (npm ci installs oidc-provider)");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains("listening on"))
        .expect("the provider's address");
    // Keep reading, so the provider never writes to a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let issuer = line.rsplit(' ').next().expect("issuer").to_owned();
    let addr = issuer
        .trim_start_matches("http://")
        .parse()
        .expect("address");
    Provider {
        child,
        addr,
        issuer,
    }
}

/// Makes a hub account named by an e-mail address, with a role (as an invitation would).
async fn account(hub: &InProcessHub, email: &str, role: &str) {
    account_in(&hub.store, email, role).await;
}

/// The same, in any store (hubops: for hubs run as processes).
pub(crate) async fn account_in(store: &AnyStore, email: &str, role: &str) {
    let token = accounts::new_token();
    let later = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let link = AccountLink {
        token_hash: accounts::token_hash(&token),
        purpose: LinkPurpose::Invite,
        username: email.into(),
        role: role.into(),
        created_by: "dsl".into(),
        created_at: schoolgate_hub::now(),
        expires_at: later,
    };
    assert!(store.create_account_link(&link).await.expect("link"));
    let hash = accounts::hash_password("an unused long password").expect("hash");
    assert!(store
        .use_account_link(
            &link.token_hash,
            &schoolgate_hub::now(),
            &hash,
            &accounts::new_totp_secret(),
            0
        )
        .await
        .expect("made")
        .is_some());
}

fn path_of(location: &str, site: SocketAddr) -> Option<String> {
    let prefix = format!("http://{site}");
    if let Some(rest) = location.strip_prefix(&prefix) {
        Some(rest.to_owned())
    } else if location.starts_with('/') {
        Some(location.to_owned())
    } else {
        None
    }
}

fn remember(jar: &mut BTreeMap<String, String>, reply: &http::Reply) {
    for (name, value) in &reply.headers {
        if name == "set-cookie" {
            if let Some((k, v)) = value.split(';').next().and_then(|p| p.split_once('=')) {
                jar.insert(k.trim().to_owned(), v.to_owned());
            }
        }
    }
}

fn cookie_header(jar: &BTreeMap<String, String>) -> String {
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

pub(crate) enum Tamper {
    Nothing,
    State,
    Nonce,
}

/// Signs in as the provider's `login`, like a browser; the hub's final answer.
async fn sign_in_as(
    hub: &InProcessHub,
    provider: &Provider,
    login: &str,
    tamper: Tamper,
) -> http::Reply {
    sign_in_across(hub.addr, hub.addr, provider, login, tamper)
        .await
        .0
}

/// The same, started at the hub on `start` and answered to the hub on `finish` (hubops: a load
/// balancer between the browser and several hubs); the final answer, and the callback's path
/// and `Cookie` header (to replay it).
pub(crate) async fn sign_in_across(
    start_hub: SocketAddr,
    finish: SocketAddr,
    provider: &Provider,
    login: &str,
    tamper: Tamper,
) -> (http::Reply, String, String) {
    let start = http::get(start_hub, "/login/oidc").await;
    assert_eq!(start.status, 303, "{}", start.body);
    let mut hub_jar = BTreeMap::new();
    remember(&mut hub_jar, &start);
    let mut location = start
        .header("location")
        .expect("to the provider")
        .to_owned();
    assert!(
        location.contains("code_challenge=")
            && location.contains("nonce=")
            && location.contains("state="),
        "{location}"
    );
    if let Tamper::Nonce = tamper {
        let at = location.find("nonce=").expect("nonce") + 6;
        let end = location[at..].find('&').map_or(location.len(), |e| at + e);
        location.replace_range(at..end, "a-nonce-the-hub-never-sent");
    }
    let mut provider_jar = BTreeMap::new();
    for _ in 0..20 {
        if let Some(path) = path_of(&location, provider.addr) {
            let cookies = cookie_header(&provider_jar);
            let reply = if path.starts_with("/interaction/") {
                let page = http::get_with(provider.addr, &path, &[("Cookie", &cookies)]).await;
                remember(&mut provider_jar, &page);
                let cookies = cookie_header(&provider_jar);
                let fields: Vec<(&str, &str)> = if page.body.contains("name=\"login\"") {
                    vec![("prompt", "login"), ("login", login), ("password", "any")]
                } else {
                    vec![("prompt", "consent")]
                };
                http::post_form(provider.addr, &path, &fields, &[("Cookie", &cookies)]).await
            } else {
                http::get_with(provider.addr, &path, &[("Cookie", &cookies)]).await
            };
            remember(&mut provider_jar, &reply);
            location = reply
                .header("location")
                .unwrap_or_else(|| panic!("provider {path}: {} {}", reply.status, reply.body))
                .to_owned();
        } else if let Some(mut path) = path_of(&location, start_hub) {
            assert!(path.starts_with("/login/oidc/callback"), "{path}");
            if let Tamper::State = tamper {
                let at = path.find("state=").expect("state") + 6;
                path.insert(at, 'x');
            }
            let cookies = cookie_header(&hub_jar);
            let reply = http::get_with(finish, &path, &[("Cookie", &cookies)]).await;
            return (reply, path, cookies);
        } else {
            panic!("a redirect to neither site: {location}");
        }
    }
    panic!("too many redirects");
}

async fn sign_in_with_a_real_openid_provider(db: TestDb) {
    let hub = InProcessHub::start(&db).await;
    let (dsl, _) = dsl_session(&hub).await;
    let provider = start_provider(&format!("http://{}/login/oidc/callback", hub.addr));
    // Not set up yet: refused.
    assert_eq!(http::get(hub.addr, "/login/oidc").await.status, 403);
    // The settings page is the IT lead's (and the DSL's), through the form.
    let auth = forms::open_form(hub.addr, "/sign-in-settings", Some(&dsl)).await;
    let saved = forms::post(
        hub.addr,
        "/sign-in-settings",
        &auth,
        &[
            ("issuer", provider.issuer.as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("restriction_kind", "google-hd"),
            ("restriction_value", "oakhill.example"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    account(&hub, "alice@oakhill.example", "deputy-dsl").await;
    account(&hub, "mallory@oakhill.example", "deputy-dsl").await;

    // The right domain: signed in, with the role the hub gave.
    let alice = sign_in_as(&hub, &provider, "alice", Tamper::Nothing).await;
    assert_eq!(alice.status, 303, "{}", alice.body);
    let session = forms::set_cookie(&alice, accounts::SESSION_COOKIE).expect("a session");
    assert!(alice
        .header("set-cookie")
        .is_some_and(|c| c.contains("HttpOnly")));
    assert_eq!(
        http::get_with(hub.addr, "/inbox", &[("Cookie", &session)])
            .await
            .status,
        200
    );
    assert_eq!(
        http::get_with(hub.addr, "/accounts", &[("Cookie", &session)])
            .await
            .status,
        403,
        "a deputy is still a deputy"
    );
    // Refused: another domain, an e-mail with no hub account, a changed state, a changed nonce.
    for (login, tamper, why, why_text) in [
        (
            "mallory",
            Tamper::Nothing,
            "wrong hd",
            "not from this school",
        ),
        (
            "stranger",
            Tamper::Nothing,
            "unknown e-mail",
            "no hub account",
        ),
        ("alice", Tamper::State, "bad state", "did not start here"),
        ("alice", Tamper::Nonce, "bad nonce", "nonce mismatch"),
    ] {
        let reply = sign_in_as(&hub, &provider, login, tamper).await;
        assert_eq!(reply.status, 403, "{why}: {}", reply.body);
        assert!(reply.body.contains(why_text), "{why}: {}", reply.body);
        assert!(
            forms::set_cookie(&reply, accounts::SESSION_COOKIE).is_none(),
            "{why}"
        );
    }

    // Microsoft Entra: the tenant id decides.
    let auth = forms::open_form(hub.addr, "/sign-in-settings", Some(&dsl)).await;
    let saved = forms::post(
        hub.addr,
        "/sign-in-settings",
        &auth,
        &[
            ("issuer", provider.issuer.as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", ""),
            ("restriction_kind", "entra-tid"),
            ("restriction_value", "tenant-1111"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        hub.store
            .oidc_settings()
            .await
            .expect("settings")
            .map(|s| s.client_secret)
            .as_deref(),
        Some(CLIENT_SECRET),
        "an empty secret field keeps the secret"
    );
    assert_eq!(
        sign_in_as(&hub, &provider, "alice", Tamper::Nothing)
            .await
            .status,
        303
    );
    assert_eq!(
        sign_in_as(&hub, &provider, "mallory", Tamper::Nothing)
            .await
            .status,
        403,
        "wrong tid"
    );

    let log = hub.store.audit_log().await.expect("audit");
    let oidc_sign_ins: Vec<&str> = log
        .iter()
        .filter(|e| e.action == "signed-in" && e.subject == "openid-connect")
        .map(|e| e.actor.as_str())
        .collect();
    assert_eq!(
        oidc_sign_ins,
        ["alice@oakhill.example", "alice@oakhill.example"]
    );
    assert!(log
        .iter()
        .any(|e| e.action == "changed-sign-in-settings" && !e.subject.contains(CLIENT_SECRET)));
    hub.stop().await;
}
