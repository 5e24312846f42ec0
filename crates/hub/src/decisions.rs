//! What the DSL decides about the reported page, and how devices learn it.
//!
//! - On the reporting device: "unblock" or "keep blocked" (case entries `unblock-page` and
//!   `keep-blocked`; the newest wins). The device asks `GET /api/v1/reports/<id>/decision`,
//!   signed with the report-signing key it sends reports with (`decision_message`), on its
//!   delivery alarm, for each report it holds a block for.
//! - For the whole school: `block-school` entries name the page's domain; the hub serves every
//!   such domain at `GET /api/v1/lists/school-blocks.txt`, a plain one-domain-a-line list that the
//!   managed configuration's `lists` takes like any other (`format: "domains"`). It holds no
//!   pupil data (domains only), so it needs no key, like any published list.
//!
//! A page the filter locked (an illegal category) or that the adult suspected to be child
//! sexual abuse material can never be unblocked, from here or anywhere.

use std::collections::BTreeSet;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use crate::case::{self, CaseEntry, CaseError, CaseKind};
use crate::router::AppState;
use crate::signing_keys::valid_id;
use crate::signing_keys::{self, SIGNATURE_HEADER};
use crate::store::Store;

/// The header with the device's time (Unix seconds) that the decision request signs.
pub const TIME_HEADER: &str = "X-Schoolgate-Time";
/// How far a device's clock may be from the hub's (a signed request older than this is refused,
/// so a recorded one cannot be replayed for long).
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;
/// The school-wide block list's path.
pub const SCHOOL_BLOCKS_PATH: &str = "/api/v1/lists/school-blocks.txt";

/// The bytes a device signs to ask for a report's decision: `schoolgate-decision/1`, the report
/// id and the time, one a line.
pub fn decision_message(report_id: &str, unix_secs: i64) -> String {
    format!("schoolgate-decision/1\n{report_id}\n{unix_secs}")
}

/// Whether the filter locked the page (an illegal category) or the adult suspected CSAM: then
/// it stays blocked whatever anyone decides.
pub fn page_locked(body: &Value) -> bool {
    body["filter"]["locked"].as_bool() == Some(true) || case::suspected_csam(body)
}

/// The host of the reported page (lower case, without port or user), if it has one.
pub fn page_domain(body: &Value) -> Option<String> {
    let url = body["page"]["url"].as_str()?;
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host
        .split(':')
        .next()?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.contains('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    valid.then_some(host)
}

/// Checks a decision about the page against the report; the entry's text (the domain, for a
/// school-wide block).
pub fn check_page_entry(kind: CaseKind, body: &Value) -> Result<String, CaseError> {
    match kind {
        CaseKind::UnblockPage if page_locked(body) => Err(CaseError::PageLocked),
        CaseKind::BlockSchool | CaseKind::UnblockSchool => {
            page_domain(body).ok_or(CaseError::NoDomain)
        }
        _ => Ok(String::new()),
    }
}

/// The device's decision for one report, from its chronology: `unblock`, `keep-blocked` or
/// `undecided`, and when.
pub fn device_decision(entries: &[CaseEntry]) -> (&'static str, Option<&str>) {
    entries
        .iter()
        .rev()
        .find_map(|e| match CaseKind::parse(&e.kind) {
            Some(CaseKind::UnblockPage) => Some(("unblock", Some(e.at.as_str()))),
            Some(CaseKind::KeepBlocked) => Some(("keep-blocked", Some(e.at.as_str()))),
            _ => None,
        })
        .unwrap_or(("undecided", None))
}

/// The school-wide block list's text: every domain whose newest `block-school` or
/// `unblock-school` entry (across all reports) is a block, sorted.
pub fn school_blocks(entries: &[CaseEntry]) -> String {
    let mut changes: Vec<&CaseEntry> = entries
        .iter()
        .filter(|e| {
            e.kind == CaseKind::BlockSchool.name() || e.kind == CaseKind::UnblockSchool.name()
        })
        .collect();
    changes.sort_by(|a, b| a.at.cmp(&b.at).then(a.seq.cmp(&b.seq)));
    let mut domains: BTreeSet<&str> = BTreeSet::new();
    for change in changes {
        if change.kind == CaseKind::BlockSchool.name() {
            domains.insert(&change.detail);
        } else {
            domains.remove(change.detail.as_str());
        }
    }
    let mut out = String::from(
        "# Schoolgate Hub: pages the Designated Safeguarding Lead blocked for the whole school.\n# Format: domains (one a line; each covers its subdomains).\n",
    );
    for domain in domains {
        out.push_str(domain);
        out.push('\n');
    }
    out
}

/// The routes of this area (hubinbox).
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route(SCHOOL_BLOCKS_PATH, get(school_blocks_list::<S>))
        .route("/api/v1/reports/{id}/decision", get(decision::<S>))
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (status, Json(serde_json::json!({ "error": why }))).into_response()
}

async fn school_blocks_list<S: Store>(State(app): State<AppState<S>>) -> Response {
    match app.store.all_case_entries().await {
        Ok(entries) => {
            let mut response = (StatusCode::OK, school_blocks(&entries)).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(error) => {
            tracing::error!(%error, "school block list: storage failed");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

async fn decision<S: Store>(
    State(app): State<AppState<S>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let read = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(mac) = read(SIGNATURE_HEADER).and_then(signing_keys::parse_signature) else {
        return refuse(StatusCode::UNAUTHORIZED, "missing or malformed signature");
    };
    let Some(time) = read(TIME_HEADER).and_then(|t| t.trim().parse::<i64>().ok()) else {
        return refuse(StatusCode::UNAUTHORIZED, "missing or malformed time");
    };
    if (chrono::Utc::now().timestamp() - time).abs() > MAX_CLOCK_SKEW_SECS {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "the time is too far from the hub's",
        );
    }
    if !valid_id(&id) {
        return refuse(StatusCode::BAD_REQUEST, "not a report id");
    }
    let keys = match app.store.active_signing_keys().await {
        Ok(keys) => keys,
        Err(_) => return refuse(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    };
    if signing_keys::verify(&keys, decision_message(&id, time).as_bytes(), &mac).is_none() {
        return refuse(StatusCode::UNAUTHORIZED, "bad signature");
    }
    let entries = match app.store.report(&id).await {
        Ok(Some(_)) => match app.store.case_entries(&id).await {
            Ok(entries) => entries,
            Err(_) => return refuse(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
        },
        Ok(None) => return refuse(StatusCode::NOT_FOUND, "no such report"),
        Err(_) => return refuse(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    };
    let (page, decided_at) = device_decision(&entries);
    Json(serde_json::json!({ "id": id, "page": page, "decidedAt": decided_at })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_domain_is_the_lower_case_host() {
        let cases = [
            (
                "https://Games.Example.org:8443/x?y#z",
                Some("games.example.org"),
            ),
            ("http://user:pw@example.com/", Some("example.com")),
            ("https://example.com./", Some("example.com")),
            ("chrome://settings", None),
            ("https://localhost/", None),
            ("file:///etc/passwd", None),
        ];
        for (url, expected) in cases {
            let body = serde_json::json!({ "page": { "url": url } });
            assert_eq!(page_domain(&body).as_deref(), expected, "{url}");
        }
    }

    #[test]
    fn locked_or_suspected_csam_pages_cannot_be_unblocked() {
        let locked = serde_json::json!({ "filter": { "locked": true } });
        let csam = serde_json::json!({ "adult": { "suspectedCsam": true } });
        let plain = serde_json::json!({ "filter": { "locked": false } });
        for body in [&locked, &csam] {
            assert_eq!(
                check_page_entry(CaseKind::UnblockPage, body),
                Err(CaseError::PageLocked)
            );
        }
        assert_eq!(
            check_page_entry(CaseKind::UnblockPage, &plain),
            Ok(String::new())
        );
        assert_eq!(
            check_page_entry(CaseKind::KeepBlocked, &csam),
            Ok(String::new())
        );
    }
}
