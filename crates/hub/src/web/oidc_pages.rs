//! Sign-in with the school's Google Workspace or Microsoft Entra (OpenID Connect, authorization
//! code flow with PKCE, `state` and `nonce`), and the IT lead's settings page for it. The
//! provider's answer must pass the `openidconnect` crate's checks (ID token signature from the
//! provider's published keys, issuer, audience, expiry, nonce), then the school restriction and
//! the account mapping in `crate::oidc`. The account still gets its role from the hub.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use maud::html;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;

use super::pages::{csrf_field, layout};
use super::{security, unavailable, Viewer};
use crate::accounts::{self, SESSION_COOKIE, SESSION_HOURS};
use crate::oidc::{self, OidcError, Pending, Restriction};
use crate::roles::Permission;
use crate::router::AppState;
use crate::store::{OidcSettings, Store};

/// The cookie that ties the provider's answer to this browser (SameSite=Lax: the answer arrives
/// as a top-level navigation from the provider's site).
pub const PENDING_COOKIE: &str = "sg_oidc";

/// The routes.
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/login/oidc", get(start::<S>))
        .route("/login/oidc/callback", get(callback::<S>))
        .route(
            "/sign-in-settings",
            get(settings_page::<S>).post(save_settings::<S>),
        )
}

fn refused(error: &OidcError) -> Response {
    tracing::warn!(%error, "OpenID Connect sign-in refused");
    (
        StatusCode::FORBIDDEN,
        super::pages::message(
            "Not signed in",
            &error.to_string(),
            Some(("/login", "Sign in")),
        ),
    )
        .into_response()
}

fn http_client() -> Result<openidconnect::reqwest::Client, OidcError> {
    // No redirects: following them would let a provider's answer reach other addresses (SSRF).
    openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| OidcError::NotConfigured(e.to_string()))
}

fn callback_url(app_scheme: crate::config::PublicScheme, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if security::over_https(app_scheme, headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}/login/oidc/callback")
}

async fn client_for(
    settings: &OidcSettings,
    redirect_uri: &str,
    http: &openidconnect::reqwest::Client,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    OidcError,
> {
    let issuer = IssuerUrl::new(settings.issuer.clone())
        .map_err(|e| OidcError::NotConfigured(e.to_string()))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| OidcError::NotConfigured(format!("discovery failed: {e}")))?;
    let redirect = RedirectUrl::new(redirect_uri.to_owned())
        .map_err(|e| OidcError::NotConfigured(e.to_string()))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(settings.client_id.clone()),
        Some(ClientSecret::new(settings.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}

async fn settings_or_refusal<S: Store>(
    app: &AppState<S>,
) -> Result<(OidcSettings, Restriction), Response> {
    match app.store.oidc_settings().await {
        Ok(Some(settings)) => {
            match Restriction::parse(&settings.restriction_kind, &settings.restriction_value) {
                Some(restriction) => Ok((settings, restriction)),
                None => Err(refused(&OidcError::NotConfigured(
                    "no school restriction".into(),
                ))),
            }
        }
        Ok(None) => Err(refused(&OidcError::NotConfigured("ask the IT lead".into()))),
        Err(e) => Err(unavailable(e)),
    }
}

async fn start<S: Store>(State(app): State<AppState<S>>, headers: HeaderMap) -> Response {
    let (settings, restriction) = match settings_or_refusal(&app).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let redirect_uri = callback_url(app.security.public_scheme, &headers);
    let http = match http_client() {
        Ok(http) => http,
        Err(e) => return refused(&e),
    };
    let client = match client_for(&settings, &redirect_uri, &http).await {
        Ok(client) => client,
        Err(e) => return refused(&e),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge);
    if let Restriction::GoogleDomain(domain) = &restriction {
        // Google shows only the school's accounts; the `hd` claim is still checked on return.
        request = request.add_extra_param("hd", domain.clone());
    }
    let (url, state, nonce) = request.url();
    let key = accounts::new_token();
    let pending = Pending {
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        redirect_uri,
    };
    // In the database (hubops), so the provider's answer may come back to any hub on it.
    let now = crate::throttle::now_millis();
    let expires_at = now + crate::throttle::millis(Duration::from_secs(oidc::PENDING_SECS));
    if let Err(e) = app
        .store
        .put_oidc_pending(&accounts::token_hash(&key), &pending, now, expires_at)
        .await
    {
        return unavailable(e);
    }
    let secure =
        if security::cookie_attributes(app.security.public_scheme, &headers).contains("Secure") {
            "; Secure"
        } else {
            ""
        };
    let cookie = format!(
        "{PENDING_COOKIE}={key}; Path=/login/oidc; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        oidc::PENDING_SECS
    );
    let mut response = Redirect::to(url.as_str()).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback<S: Store>(
    State(app): State<AppState<S>>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    // Taken, whatever happens next: a pending sign-in is used once, on whichever hub.
    let pending = match security::cookie(&headers, PENDING_COOKIE) {
        Some(key) => {
            app.store
                .take_oidc_pending(&accounts::token_hash(key), crate::throttle::now_millis())
                .await
        }
        None => Ok(None),
    };
    let pending = match pending {
        Ok(Some(pending)) => pending,
        Ok(None) => return refused(&OidcError::BadState),
        Err(e) => return unavailable(e),
    };
    let state_ok = query.state.as_deref().is_some_and(|state| {
        constant_time_eq::constant_time_eq(state.as_bytes(), pending.state.as_bytes())
    });
    if !state_ok {
        return refused(&OidcError::BadState);
    }
    if let Some(error) = query.error {
        return refused(&OidcError::Rejected(error.chars().take(100).collect()));
    }
    let Some(code) = query.code else {
        return refused(&OidcError::Rejected("no code".into()));
    };
    let (settings, restriction) = match settings_or_refusal(&app).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match finish(&app, &settings, &restriction, &pending, code).await {
        Ok(username) => {
            let token = accounts::new_token();
            let expires = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
            let expires_at = expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            match app
                .store
                .sign_in_oidc(&username, &accounts::token_hash(&token), &expires_at)
                .await
            {
                Ok(true) => {}
                Ok(false) => return refused(&OidcError::UnknownAccount),
                Err(e) => return unavailable(e),
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
        Err(OidcError::UnknownAccount) => refused(&OidcError::UnknownAccount),
        Err(e) => refused(&e),
    }
}

/// Exchanges the code, verifies the ID token and the school, and finds the account.
async fn finish<S: Store>(
    app: &AppState<S>,
    settings: &OidcSettings,
    restriction: &Restriction,
    pending: &Pending,
    code: String,
) -> Result<String, OidcError> {
    let http = http_client()?;
    let client = client_for(settings, &pending.redirect_uri, &http).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| OidcError::NotConfigured(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
        .request_async(&http)
        .await
        .map_err(|e| OidcError::Rejected(format!("code exchange: {e}")))?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| OidcError::Rejected("no ID token".into()))?;
    let claims = id_token
        .claims(
            &client.id_token_verifier(),
            &Nonce::new(pending.nonce.clone()),
        )
        .map_err(|e| OidcError::Rejected(e.to_string()))?;
    if claims.email_verified() != Some(true) {
        return Err(OidcError::NoVerifiedEmail);
    }
    let email = claims.email().ok_or(OidcError::NoVerifiedEmail)?;
    // The token's signature was verified just above; its payload holds `hd`/`tid`.
    let payload = oidc::jwt_payload(&id_token.to_string())
        .ok_or_else(|| OidcError::Rejected("unreadable ID token".into()))?;
    restriction.check(&payload)?;
    let username = oidc::username_for_email(email.as_str());
    match app.store.account(&username).await {
        Ok(Some(account)) => Ok(account.username),
        Ok(None) => Err(OidcError::UnknownAccount),
        Err(e) => Err(OidcError::NotConfigured(e.to_string())),
    }
}

async fn settings_page<S: Store>(State(app): State<AppState<S>>, viewer: Viewer) -> Response {
    if let Err(refused) = viewer.require(Permission::ConfigureSignIn) {
        return refused;
    }
    let current = match app.store.oidc_settings().await {
        Ok(current) => current,
        Err(e) => return unavailable(e),
    };
    let value = |f: fn(&OidcSettings) -> &str| current.as_ref().map_or("", f).to_owned();
    let kind = value(|s| &s.restriction_kind);
    let body = html! {
        p { "Staff can sign in with the school's Google Workspace or Microsoft Entra account. Only accounts the Designated Safeguarding Lead has made can sign in this way (the hub account's user name is the person's e-mail address), and each keeps its role from the hub." }
        form method="post" action="/sign-in-settings" {
            (csrf_field())
            label { "Issuer URL (https://accounts.google.com, or https://login.microsoftonline.com/TENANT/v2.0) " input name="issuer" value=(value(|s| &s.issuer)) required; }
            label { "Client id " input name="client_id" value=(value(|s| &s.client_id)) required; }
            label { "Client secret (kept; leave empty to keep the current one) " input type="password" name="client_secret" autocomplete="off"; }
            label { "Restrict to "
                select name="restriction_kind" {
                    option value="google-hd" selected[kind == "google-hd"] { "Google Workspace domain (hd)" }
                    option value="entra-tid" selected[kind == "entra-tid"] { "Microsoft Entra tenant id (tid)" }
                }
            }
            label { "The school's domain or tenant id " input name="restriction_value" value=(value(|s| &s.restriction_value)) required; }
            button type="submit" { "Save" }
        }
    };
    (
        StatusCode::OK,
        layout(
            "Sign-in with Google or Microsoft",
            Some(viewer.username()),
            body,
        ),
    )
        .into_response()
}

#[derive(Deserialize)]
struct SettingsForm {
    issuer: String,
    client_id: String,
    client_secret: String,
    restriction_kind: String,
    restriction_value: String,
}

async fn save_settings<S: Store>(
    State(app): State<AppState<S>>,
    viewer: Viewer,
    Form(form): Form<SettingsForm>,
) -> Response {
    if let Err(refused) = viewer.require(Permission::ConfigureSignIn) {
        return refused;
    }
    let bad = |text: &str| {
        (
            StatusCode::BAD_REQUEST,
            super::pages::message("Not saved", text, Some(("/sign-in-settings", "Back"))),
        )
            .into_response()
    };
    if Restriction::parse(&form.restriction_kind, &form.restriction_value).is_none() {
        return bad("Choose the restriction and give the school's domain or tenant id.");
    }
    if IssuerUrl::new(form.issuer.trim().to_owned()).is_err() || form.client_id.trim().is_empty() {
        return bad("Give the issuer URL and the client id.");
    }
    let secret = if form.client_secret.is_empty() {
        match app.store.oidc_settings().await {
            Ok(Some(current)) => current.client_secret,
            Ok(None) => return bad("Give the client secret."),
            Err(e) => return unavailable(e),
        }
    } else {
        form.client_secret
    };
    let settings = OidcSettings {
        issuer: form.issuer.trim().to_owned(),
        client_id: form.client_id.trim().to_owned(),
        client_secret: secret,
        restriction_kind: form.restriction_kind,
        restriction_value: form.restriction_value.trim().to_owned(),
    };
    match app
        .store
        .set_oidc_settings(&settings, viewer.username())
        .await
    {
        Ok(()) => Redirect::to("/sign-in-settings").into_response(),
        Err(e) => unavailable(e),
    }
}
