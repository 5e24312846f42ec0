//! Security for every page, in one middleware that every route passes through, so a page or a
//! form added later is covered without doing anything:
//!
//! - headers on every response: a Content-Security-Policy with no script and no inline style
//!   (the stylesheet is `/hub.css`), no framing (`frame-ancestors 'none'` and
//!   `X-Frame-Options: DENY`), `nosniff`, `Referrer-Policy: no-referrer`, `no-store`, and HSTS
//!   when the hub is reached over HTTPS (`--public-url https://…`, or a proxy saying
//!   `X-Forwarded-Proto: https`);
//! - CSRF: every state-changing request outside the signed report API (`/api/`) must carry a
//!   form field `csrf` equal to this browser's token, and an `Origin`, when sent, naming this
//!   host. Signed in, the token is a synchronizer token bound to the session: derived from the
//!   session's secret cookie, so it changes with every session and no other site can know it.
//!   Before sign-in (the sign-in and first-run forms), it is a double-submit token: a random
//!   `sg_csrf` cookie (`HttpOnly; SameSite=Strict`) that the form must repeat. A cross-site
//!   form carries neither, and is refused with 403 before any handler runs. A form the browser
//!   says came from elsewhere (`Sec-Fetch-Site` not `same-origin`, or else an `Origin` naming
//!   another host) is refused even with a token.
//!
//! Pages put the token in their forms with `pages::csrf_field()`, which reads it from a
//! task-local set here for the request.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::accounts::{self, SESSION_COOKIE};
use crate::config::PublicScheme;

/// The pre-sign-in CSRF cookie.
pub const CSRF_COOKIE: &str = "sg_csrf";
/// The form field every state-changing form carries.
pub const CSRF_FIELD: &str = "csrf";

/// The Content-Security-Policy of every response: nothing but the hub's own stylesheet and
/// forms posted to the hub itself.
pub const CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// HSTS: a year (only sent over HTTPS).
pub const HSTS: &str = "max-age=31536000";

tokio::task_local! {
    static CSRF_TOKEN: String;
}

/// This request's CSRF token, for a form's hidden field (empty outside a request).
pub fn csrf_token() -> String {
    CSRF_TOKEN.try_with(Clone::clone).unwrap_or_default()
}

/// The web layer's security state, one per hub process.
#[derive(Debug, Default)]
pub struct WebSecurity {
    /// How people reach the hub (`--public-url`).
    pub public_scheme: PublicScheme,
}

/// Who is asking: the peer's address, or, when the peer is a proxy on this machine, the address
/// that proxy put last in `X-Forwarded-For` (the one it saw; earlier ones the client can forge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

fn client_address(request: &Request) -> ClientAddress {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = || {
        request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .next_back()
            .filter(|v| v.parse::<IpAddr>().is_ok())
            .map(str::to_owned)
    };
    ClientAddress(match peer {
        Some(ip) if ip.is_loopback() => forwarded().unwrap_or_else(|| ip.to_string()),
        Some(ip) => ip.to_string(),
        None => "unknown".into(),
    })
}

/// A cookie's value from the request.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

/// The CSRF token bound to a session: no other site can compute it without the session's
/// secret cookie.
pub fn session_csrf(session_token: &str) -> String {
    hex::encode(Sha256::digest(
        format!("schoolgate-hub csrf\0{session_token}").as_bytes(),
    ))
}

fn is_token(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether this request reached the hub over HTTPS, as far as the hub can know.
pub fn over_https(scheme: PublicScheme, headers: &HeaderMap) -> bool {
    scheme == PublicScheme::Https
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// Cookie attributes for this request: always `HttpOnly; SameSite=Strict`, and `Secure` unless
/// the hub was told it is reached over plain HTTP and this request did not come over HTTPS.
pub fn cookie_attributes(scheme: PublicScheme, headers: &HeaderMap) -> &'static str {
    if scheme == PublicScheme::Http && !over_https(scheme, headers) {
        "Path=/; HttpOnly; SameSite=Strict"
    } else {
        "Path=/; HttpOnly; Secure; SameSite=Strict"
    }
}

/// False when the browser says a form was sent from another site.
fn same_origin(headers: &HeaderMap) -> bool {
    // A browser's own word first (hubtest). Chromium sends `Origin: null` on a form POST from a
    // page whose Referrer-Policy is `no-referrer` (every hub page), so the Origin check alone
    // refused the DSL's own forms in a real browser; `Sec-Fetch-Site` is sent whatever the policy.
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site.eq_ignore_ascii_case("same-origin");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true; // the CSRF token decides
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

fn refused(text: &'static str) -> Response {
    let mut response = (
        StatusCode::FORBIDDEN,
        super::pages::message("Refused", text, Some(("/", "Back to the hub"))),
    )
        .into_response();
    set_headers(&mut response, false);
    response
}

fn set_headers(response: &mut Response, https: bool) {
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    for (name, value) in set {
        // policyhub: a machine API that chose its own caching (the signed policy bundle's
        // `no-cache`, revalidated by ETag, as docs/policy-bundle.md requires) keeps it; every
        // page keeps `no-store`.
        if name == header::CACHE_CONTROL && headers.contains_key(&name) {
            continue;
        }
        headers.insert(name, HeaderValue::from_static(value));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
}

/// The middleware: headers, the client's address, and the CSRF check.
pub async fn guard(
    State(security): State<Arc<WebSecurity>>,
    mut request: Request,
    next: Next,
) -> Response {
    let address = client_address(&request);
    request.extensions_mut().insert(address);
    let https = over_https(security.public_scheme, request.headers());
    let attributes = cookie_attributes(security.public_scheme, request.headers());

    let headers = request.headers();
    let (token, new_cookie) = match cookie(headers, SESSION_COOKIE).filter(|t| is_token(t)) {
        Some(session) => (session_csrf(session), false),
        None => match cookie(headers, CSRF_COOKIE).filter(|t| is_token(t)) {
            Some(existing) => (existing.to_owned(), false),
            None => (accounts::new_token(), true),
        },
    };

    let machine_api = request.uri().path().starts_with("/api/");
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !machine_api {
        if !same_origin(request.headers()) {
            return refused("This form was sent from another site.");
        }
        // Without the cookie the token came from, nothing the form says can match.
        if new_cookie {
            return refused(
                "This form has expired or was sent from another site: open the page again.",
            );
        }
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, crate::config::MAX_REPORT_BYTES).await else {
            return (StatusCode::PAYLOAD_TOO_LARGE, "too large").into_response();
        };
        let sent = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|fields| {
                fields
                    .into_iter()
                    .find(|(name, _)| name == CSRF_FIELD)
                    .map(|(_, value)| value)
            })
            .unwrap_or_default();
        if !constant_time_eq::constant_time_eq(sent.as_bytes(), token.as_bytes()) {
            tracing::warn!(path = %parts.uri.path(), "form refused: no or wrong CSRF token");
            return refused(
                "This form has expired or was sent from another site: open the page again.",
            );
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }

    let mut response = CSRF_TOKEN.scope(token.clone(), next.run(request)).await;
    set_headers(&mut response, https);
    if new_cookie {
        if let Ok(value) = HeaderValue::from_str(&format!("{CSRF_COOKIE}={token}; {attributes}")) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_cookies_unless_told_plain_http() {
        let plain = HeaderMap::new();
        let mut proxied = HeaderMap::new();
        proxied.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(cookie_attributes(PublicScheme::Unstated, &plain).contains("Secure"));
        assert!(cookie_attributes(PublicScheme::Https, &plain).contains("Secure"));
        assert!(!cookie_attributes(PublicScheme::Http, &plain).contains("Secure"));
        assert!(cookie_attributes(PublicScheme::Http, &proxied).contains("Secure"));
        assert!(!over_https(PublicScheme::Unstated, &plain));
        assert!(over_https(PublicScheme::Unstated, &proxied));
        assert!(over_https(PublicScheme::Https, &plain));
    }

    #[test]
    fn the_session_token_is_bound_to_the_session() {
        let a = session_csrf(&"a".repeat(64));
        assert!(is_token(&a));
        assert_ne!(a, session_csrf(&"b".repeat(64)));
        assert_eq!(a, session_csrf(&"a".repeat(64)));
    }
}
