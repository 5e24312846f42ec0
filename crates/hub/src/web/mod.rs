//! The web interface for the people who read reports: the one-time first-run page, sign-in
//! (password and TOTP), the inbox and a report's page. Every view of the inbox or of a report is
//! written to the audit log *before* the page is sent; if the log cannot be written, the page is
//! not shown.
//!
//! Sessions are a random token in an `HttpOnly; Secure; SameSite=Strict` cookie, stored only as a
//! hash. Forms are refused when the browser says they come from another site (`Origin`), on top
//! of SameSite. Pages carry a Content-Security-Policy that allows no script at all.

mod pages;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::accounts::{self, Account, AccountError, SESSION_COOKIE, SESSION_HOURS};
use crate::audit::AuditEvent;
use crate::ingest::valid_report_id;
use crate::router::AppState;
use crate::store::{Store, StoreError};

/// The web routes.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/inbox") }))
        .route(
            "/setup/{token}",
            get(setup_page::<S>).post(setup_submit::<S>),
        )
        .route("/login", get(login_page).post(login_submit::<S>))
        .route("/logout", post(logout::<S>))
        .route("/inbox", get(inbox::<S>))
        .route("/reports/{id}", get(report_page::<S>))
}

/// Headers every page carries: no script, no framing, nothing cached, no referrer.
pub fn page_headers(response: &mut Response) {
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

fn page(status: StatusCode, markup: maud::Markup) -> Response {
    let mut response = (status, markup).into_response();
    page_headers(&mut response);
    response
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

/// False when the browser says a form was sent from another site.
fn same_origin(headers: &HeaderMap) -> bool {
    // A browser's own word first. Chromium sends `Origin: null` on a form POST from a page whose
    // Referrer-Policy is `no-referrer` (every hub page), so the Origin check alone refused the
    // DSL's own sign-in in a real browser; `Sec-Fetch-Site` is sent whatever the policy.
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site.eq_ignore_ascii_case("same-origin");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true; // not a browser, or an old one: SameSite=Strict still keeps the cookie home
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

fn cross_site() -> Response {
    page(
        StatusCode::FORBIDDEN,
        pages::message("Refused", "This form was sent from another site.", None),
    )
}

fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

/// The signed-in user, or the response to send instead (to the sign-in page).
async fn signed_in<S: Store>(store: &S, headers: &HeaderMap) -> Result<String, Response> {
    let Some(token) = session_token(headers) else {
        return Err(Redirect::to("/login").into_response());
    };
    match store
        .session_user(&accounts::token_hash(token), &crate::now())
        .await
    {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(Redirect::to("/login").into_response()),
        Err(e) => Err(unavailable(e)),
    }
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
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Response {
    if !same_origin(&headers) {
        return cross_site();
    }
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
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers) {
        return cross_site();
    }
    let refused = || {
        tracing::warn!(username = %form.username.chars().take(64).collect::<String>(), "sign-in refused");
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
        return refused();
    };
    let Ok(step) = accounts::check_totp(
        &account.totp_secret,
        &form.code,
        accounts::unix_now(),
        account.totp_last_step,
    ) else {
        return refused();
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
        Ok(false) => return refused(), // the code was used a moment ago, here or on another hub
        Err(e) => return unavailable(e),
    }
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        SESSION_HOURS * 3600
    );
    let mut response = Redirect::to("/inbox").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn logout<S: Store>(State(app): State<AppState<S>>, headers: HeaderMap) -> Response {
    if !same_origin(&headers) {
        return cross_site();
    }
    if let Some(token) = session_token(&headers) {
        if let Err(e) = app.store.end_session(&accounts::token_hash(token)).await {
            return unavailable(e);
        }
    }
    let mut response = Redirect::to("/login").into_response();
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn inbox<S: Store>(State(app): State<AppState<S>>, headers: HeaderMap) -> Response {
    let user = match signed_in(&app.store, &headers).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let event = AuditEvent {
        actor: user.clone(),
        action: "viewed-inbox".into(),
        subject: String::new(),
    };
    if let Err(e) = app.store.audit(&event).await {
        return unavailable(e);
    }
    match app.store.reports().await {
        Ok(reports) => page(StatusCode::OK, pages::inbox(&user, &reports)),
        Err(e) => unavailable(e),
    }
}

async fn report_page<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let user = match signed_in(&app.store, &headers).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let not_found = || {
        page(
            StatusCode::NOT_FOUND,
            pages::message(
                "No such report",
                "There is no report with that id.",
                Some(("/inbox", "All reports")),
            ),
        )
    };
    if !valid_report_id(&id) {
        return not_found();
    }
    let report = match app.store.report(&id).await {
        Ok(Some(report)) => report,
        Ok(None) => return not_found(),
        Err(e) => return unavailable(e),
    };
    // Logged before it is shown: no view without an entry.
    let event = AuditEvent {
        actor: user.clone(),
        action: "viewed-report".into(),
        subject: id,
    };
    if let Err(e) = app.store.audit(&event).await {
        return unavailable(e);
    }
    page(StatusCode::OK, pages::report(&user, &report))
}
