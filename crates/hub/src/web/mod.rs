//! The web interface for the people who read reports: the one-time first-run page, sign-in
//! (password and TOTP), the inbox and a report's page. Every view of the inbox or of a report is
//! written to the audit log *before* the page is sent; if the log cannot be written, the page is
//! not shown.
//!
//! Sessions are a random token in an `HttpOnly; SameSite=Strict` cookie (`Secure` unless the hub
//! was told it is reached over plain HTTP), stored only as a hash, deleted when they expire.
//! Headers, CSRF and the client's address are `security`'s, for every route at once; repeated
//! wrong sign-ins are slowed down by `crate::throttle`.

mod accounts_pages;
mod cases;
mod digest_page;
mod exports;
mod filter_checks_page;
mod guard;
mod monitoring;
mod oidc_pages;
mod pages;
mod requests_page;
// staffdev: teachers' own devices connected to their accounts (docs/requests.md).
mod staff_devices_page;
// policyhub: the policy under change control (issue 18).
mod policy_approval;
mod policy_history;
mod policy_pages;
pub mod security;
mod usage_page;
// times: stored timestamps as school time (issue 17).
mod when;
mod words;

pub use guard::Viewer;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;

use crate::accounts::{self, Account, AccountError, SESSION_COOKIE, SESSION_HOURS};
use crate::router::AppState;
use crate::store::{Store, StoreError};
use crate::throttle::{self, ThrottleKey};

/// The web routes.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/", get(home))
        .route(
            "/setup/{token}",
            get(setup_page::<S>).post(setup_submit::<S>),
        )
        .route("/login", get(login_page).post(login_submit::<S>))
        .route("/logout", post(logout::<S>))
        // hubinbox: the inbox, a report's case, the audit log, exports.
        .merge(cases::routes::<S>())
        .merge(exports::routes::<S>())
        // hubauth: the stylesheet (the CSP allows no inline style).
        .route("/hub.css", get(stylesheet))
        .merge(accounts_pages::routes::<S>())
        .merge(oidc_pages::routes::<S>())
        // evhub: devices, search alerts and events (docs/events.md).
        .merge(monitoring::routes::<S>())
        .merge(digest_page::routes::<S>())
        // selftest: the filter check log (docs/hub.md, "The filter check log").
        .merge(filter_checks_page::routes::<S>())
        // digest: the online-safety lead's monthly usage report.
        .merge(usage_page::routes::<S>())
        // ask: pupils' "Ask my teacher" requests (docs/requests.md).
        .merge(requests_page::routes::<S>())
        .merge(staff_devices_page::routes::<S>())
        // policyhub: the policy, its approvals, history and signed bundle.
        .merge(policy_pages::routes::<S>())
}

/// Each role's start page (hubauth).
async fn home(viewer: Viewer) -> Response {
    Redirect::to(viewer.role.home()).into_response()
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        pages::STYLE,
    )
        .into_response()
}

/// How often expired sessions are deleted.
pub const SESSION_SWEEP_SECS: u64 = 600;

/// Deletes expired sessions (and expired sign-in state) now and every `SESSION_SWEEP_SECS`, for as
/// long as the hub serves.
pub async fn sweep_expired_sessions<S: Store>(store: S) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(SESSION_SWEEP_SECS));
    loop {
        every.tick().await;
        match store.delete_expired_sessions(&crate::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "expired sessions deleted"),
            Err(error) => tracing::warn!(%error, "could not delete expired sessions"),
        }
        // hubops: wrong sign-ins no rule needs and OpenID Connect sign-ins that expired.
        match store.purge_sign_in_state(throttle::now_millis()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "expired sign-in state deleted"),
            Err(error) => tracing::warn!(%error, "could not delete expired sign-in state"),
        }
    }
}

fn page(status: StatusCode, markup: maud::Markup) -> Response {
    // Security headers are added to every response by `security::guard`.
    (status, markup).into_response()
}

fn unavailable(error: StoreError) -> Response {
    tracing::error!(%error, "web page: storage failed");
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::message(
            "Not available",
            "The hub cannot reach its database just now. Try again in a moment.",
            None,
        ),
    )
}

fn session_token(headers: &HeaderMap) -> Option<&str> {
    security::cookie(headers, SESSION_COOKIE)
}

async fn setup_page<S: Store>(
    State(app): State<AppState<S>>,
    Path(token): Path<String>,
) -> Response {
    match app
        .store
        .setup_token_usable(&accounts::token_hash(&token))
        .await
    {
        Ok(true) => {
            let secret = accounts::new_totp_secret();
            page(
                StatusCode::OK,
                pages::setup(
                    &token,
                    &secret,
                    &accounts::otpauth_uri("dsl", &secret),
                    None,
                ),
            )
        }
        Ok(false) => used_link(),
        Err(e) => unavailable(e),
    }
}

fn used_link() -> Response {
    page(
        StatusCode::NOT_FOUND,
        pages::message(
            "This link does not work",
            "A first-run link works once, and only until the first account exists. Sign in instead.",
            Some(("/login", "Sign in")),
        ),
    )
}

#[derive(Deserialize)]
struct SetupForm {
    username: String,
    password: String,
    password_again: String,
    totp_secret: String,
    code: String,
}

async fn setup_submit<S: Store>(
    State(app): State<AppState<S>>,
    Path(token): Path<String>,
    Form(form): Form<SetupForm>,
) -> Response {
    let token_hash = accounts::token_hash(&token);
    match app.store.setup_token_usable(&token_hash).await {
        Ok(true) => {}
        Ok(false) => return used_link(),
        Err(e) => return unavailable(e),
    }
    let retry = |error: AccountError| {
        let otpauth = accounts::otpauth_uri(&form.username, &form.totp_secret);
        page(
            StatusCode::BAD_REQUEST,
            pages::setup(
                &token,
                &form.totp_secret,
                &otpauth,
                Some(&error.to_string()),
            ),
        )
    };
    if let Err(e) =
        accounts::check_new_account(&form.username, &form.password, &form.password_again)
    {
        return retry(e);
    }
    let step = match accounts::check_totp(&form.totp_secret, &form.code, accounts::unix_now(), 0) {
        Ok(step) => step,
        Err(e) => return retry(e),
    };
    let password_hash = match accounts::hash_password(&form.password) {
        Ok(hash) => hash,
        Err(e) => return retry(e),
    };
    let account = Account {
        username: form.username.clone(),
        role: accounts::ROLE_DSL.into(),
        password_hash,
        totp_secret: form.totp_secret.clone(),
        // The code just shown cannot also be used to sign in.
        totp_last_step: step,
        created_at: crate::now(),
    };
    match app.store.create_first_account(&token_hash, &account).await {
        Ok(true) => {
            tracing::info!(username = %account.username, "first account created");
            Redirect::to("/login").into_response()
        }
        Ok(false) => used_link(),
        Err(e) => unavailable(e),
    }
}

async fn login_page() -> Response {
    page(StatusCode::OK, pages::login(None))
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    code: String,
}

async fn login_submit<S: Store>(
    State(app): State<AppState<S>>,
    Extension(address): Extension<security::ClientAddress>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let keys = [
        ThrottleKey::Account(form.username.trim().to_lowercase()),
        ThrottleKey::Address(address.0.clone()),
    ];
    // The counts are in the database: every hub on it counts the same wrong sign-ins (hubops).
    let now = throttle::now_millis();
    let locked_until = match app.store.throttle_locked_until(&keys, now).await {
        Ok(until) => until,
        Err(e) => return unavailable(e),
    };
    // Locked: refused before the password is even checked, so a guess now can never succeed.
    if let Some(until) = locked_until {
        tracing::warn!(address = %address.0, "sign-in refused: too many wrong tries");
        let wait = u64::try_from(until - now)
            .unwrap_or(0)
            .div_ceil(1000)
            .max(1);
        let minutes = wait.div_ceil(60).max(1);
        let mut response = page(
            StatusCode::TOO_MANY_REQUESTS,
            pages::login(Some(&format!(
                "Too many wrong tries. Wait {}, then try again.",
                words::count(minutes, "minute", "minutes")
            ))),
        );
        if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let refused = || async {
        tracing::warn!(username = %form.username.chars().take(64).collect::<String>(), address = %address.0, "sign-in refused");
        if let Err(e) = app
            .store
            .throttle_failed(&keys, throttle::now_millis())
            .await
        {
            return unavailable(e);
        }
        page(
            StatusCode::UNAUTHORIZED,
            pages::login(Some("That name, password or code is not right.")),
        )
    };
    let account = match app.store.account(&form.username).await {
        Ok(account) => account,
        Err(e) => return unavailable(e),
    };
    // A wrong name costs as much time as a wrong password.
    let hash = account
        .as_ref()
        .map_or(accounts::dummy_hash(), |a| a.password_hash.as_str());
    let password_ok = accounts::verify_password(&form.password, hash);
    let Some(account) = account.filter(|_| password_ok) else {
        return refused().await;
    };
    let Ok(step) = accounts::check_totp(
        &account.totp_secret,
        &form.code,
        accounts::unix_now(),
        account.totp_last_step,
    ) else {
        return refused().await;
    };
    let token = accounts::new_token();
    let expires = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
    let expires_at = expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    match app
        .store
        .sign_in(
            &account.username,
            step,
            &accounts::token_hash(&token),
            &expires_at,
        )
        .await
    {
        Ok(true) => {}
        Ok(false) => return refused().await, // the code was used a moment ago, here or on another hub
        Err(e) => return unavailable(e),
    }
    if let Err(e) = app.store.throttle_clear(&keys[0]).await {
        return unavailable(e);
    }
    let cookie = format!(
        "{SESSION_COOKIE}={token}; {}; Max-Age={}",
        security::cookie_attributes(app.security.public_scheme, &headers),
        SESSION_HOURS * 3600
    );
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn logout<S: Store>(State(app): State<AppState<S>>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers) {
        if let Err(e) = app.store.end_session(&accounts::token_hash(token)).await {
            return unavailable(e);
        }
    }
    let mut response = Redirect::to("/login").into_response();
    let clear = format!(
        "{SESSION_COOKIE}=; {}; Max-Age=0",
        security::cookie_attributes(app.security.public_scheme, &headers)
    );
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
